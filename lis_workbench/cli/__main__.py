"""`python -m lis_workbench.cli`."""

from .main import main

main()
