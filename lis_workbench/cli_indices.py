"""`lis index`, `lis trend`, `lis aggregate` and `lis compare`: composite indices, trends, geography conversion and
benchmark comparison from the terminal (registered on the main `lis` app by cli.py)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the index/trend/aggregate/compare commands to the `lis` app."""
