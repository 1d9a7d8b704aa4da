"""Read-only access to the DuckDB warehouse from Python."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl


def query(warehouse: Path, sql: str, parameters: list | None = None) -> pl.DataFrame:
    """Run a read-only query against the warehouse file and return a polars frame."""
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: build the warehouse assets first")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return pl.from_arrow(connection.sql(sql, params=parameters).to_arrow_table())
