"""Real dbt builds for the tests: dbt's own command line, run in the test's process.

In process, a build skips the dbt process start (~2.5 s of CPU) and much of the parse. dbt
parses the whole project again whenever its profile changes, and the profile holds the
warehouse path: so dbt runs in the warehouse's folder and is given the file's name only, and
builds in one home of files with the same name (one folder each) re-use the parse kept in the
home's dbt target folder. New `--vars` still cost a full parse."""

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from arb_pipeline.paths import DBT_PROJECT_DIR, ArbHome
from arb_pipeline.warehouse import close_dbt_duckdb

# Where a build's data tests are not what the test checks (they run in the other builds)
NO_DATA_TESTS = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")


@dataclass
class Build:
    """Whether a dbt build succeeded, and what dbt printed."""

    success: bool
    output: str


def dbt(home: ArbHome, warehouse: Path, *args: str) -> Build:
    """`dbt build` into `warehouse` over `home`'s lake; without a `--select`, everything but
    the opportunities (they need predictions)."""
    if "--select" not in args:
        args = ("--exclude", "tag:opportunities", *args)
    command = ["build", "--project-dir", str(DBT_PROJECT_DIR),
               "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path",
               str(home.dbt_target), "--log-path", str(home.dbt_target), *args]  # fmt: skip
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    output = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(output):
        patch.setenv("ARB_HOME", str(home.root))
        patch.setenv("ARB_WAREHOUSE_PATH", warehouse.name)
        patch.chdir(warehouse.parent)
        try:
            result = dbtRunner().invoke(command)
        finally:
            close_dbt_duckdb()
    if result.exception is not None:
        print(f"dbt failed: {result.exception!r}", file=output)
    return Build(result.success, output.getvalue())


def dbt_build(home: ArbHome, warehouse: Path, *args: str) -> None:
    """`dbt` that must succeed."""
    build = dbt(home, warehouse, *args)
    assert build.success, build.output[-4000:]


def rows(warehouse: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return db.execute(sql, parameters).fetchall()


def differences(left: Path, right: Path, table: str) -> int:
    """Rows of `table` in one warehouse and not the other (as multisets), both ways."""
    with duckdb.connect() as db:
        db.execute(f"attach '{left}' as l (read_only)")
        db.execute(f"attach '{right}' as r (read_only)")
        (count,) = db.execute(
            f"select count(*) from ((from l.{table} except all from r.{table})"
            f" union all (from r.{table} except all from l.{table}))"
        ).fetchone()
    return count
