"""The DuckDB warehouse: read-only queries, and builds published by an atomic file swap.

dbt never writes the file analysts read. A build copies the published file, builds into the
copy and renames it over the original, so a reader sees the old state or the new one, never
a half-built one, and never meets a write lock.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

# Pipeline builds run the data tests (the asset checks) but not dbt's unit tests: those test
# the SQL's logic, not the data, so they run in CI (arb_pipeline_tests/test_demo.py), as dbt
# advises; a build costs ~2.5 s less.
BUILD_OPTIONS = ["--exclude-resource-type", "unit_test"]


def query(warehouse: Path, sql: str, parameters: list | None = None) -> pl.DataFrame:
    """Run a read-only query against the warehouse file and return a polars frame."""
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: build the warehouse assets first")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return pl.from_arrow(connection.sql(sql, params=parameters).to_arrow_table())


def close_dbt_duckdb() -> None:
    """Close the database a dbt build left open in this process (dbt's column metadata read, or
    dbt run in process): dbt-duckdb's environment outlives the adapter, so the next build or
    read in this process would meet the old (by then renamed) file. Only through the private
    `_ENV`: no public call closes it (check on dbt-duckdb upgrades)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager  # loads dbt: only here

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


@contextmanager
def publishing(warehouse: Path) -> Iterator[Path]:
    """Yield a private copy of the warehouse to build into; publish it if the block succeeds."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    build = warehouse.with_name(warehouse.stem + ".build" + warehouse.suffix)
    with open(warehouse.with_name(warehouse.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time
        build.unlink(missing_ok=True)
        if warehouse.exists():
            shutil.copy2(warehouse, build)
        try:
            yield build
            os.replace(build, warehouse)
        finally:
            build.unlink(missing_ok=True)
            build.with_name(build.name + ".wal").unlink(missing_ok=True)
