"""The `lis` command line (entry point: main.main). One module per command group; see main.py."""
