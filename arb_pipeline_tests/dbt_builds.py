"""Real dbt builds for the tests: the dbt CLI in a subprocess, over an ARB_HOME's lake.

dbt parses the whole project again (~5 s of CPU) whenever its profile changes, and the profile
holds the warehouse path. So dbt runs in the warehouse's folder and is given the file's name
only: builds in one home of files with the same name (one folder each) re-use the parse kept
in the home's dbt target folder. New `--vars` still cost a full parse."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from arb_pipeline.paths import DBT_PROJECT_DIR, ArbHome

# Where a build's data tests are not what the test checks (they run in the other builds)
NO_DATA_TESTS = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")


def dbt(home: ArbHome, warehouse: Path, *args: str) -> subprocess.CompletedProcess:
    """`dbt build` into `warehouse` over `home`'s lake; without a `--select`, everything but
    the opportunities (they need predictions)."""
    if "--select" not in args:
        args = ("--exclude", "tag:opportunities", *args)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "ARB_HOME": str(home.root), "ARB_WAREHOUSE_PATH": warehouse.name}
    return subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "build",
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(home.root / "dbt_target"), "--log-path", str(home.root), *args],
        env=env, cwd=warehouse.parent, capture_output=True, text=True,
    )  # fmt: skip


def dbt_build(home: ArbHome, warehouse: Path, *args: str) -> None:
    """`dbt` that must succeed."""
    completed = dbt(home, warehouse, *args)
    assert completed.returncode == 0, completed.stdout[-4000:]


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
