"""Analysts read the warehouse while builds run: no lock errors, no half-built state."""

import subprocess
import sys

import duckdb
import pytest

from arb_pipeline.warehouse import publishing, query


def _build(path, rows: int) -> None:
    with duckdb.connect(str(path)) as db:
        db.execute("create or replace table t as select range as n from range(?)", [rows])


READER = """
import sys, duckdb
db = duckdb.connect(sys.argv[1], read_only=True)
for line in sys.stdin:
    print(db.execute("select count(*) from t").fetchone()[0], flush=True)
"""


def test_an_analyst_reads_during_a_build_and_new_sessions_see_the_new_state(tmp_path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with publishing(warehouse) as build:
        _build(build, 3)
    analyst = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )

    def count() -> int:
        analyst.stdin.write("count\n")
        analyst.stdin.flush()
        return int(analyst.stdout.readline())

    assert count() == 3
    with publishing(warehouse) as build:
        _build(build, 5)
        assert count() == 3  # mid-build: the published state, no lock error
    assert count() == 3  # an open session keeps its snapshot
    analyst.stdin.close()
    analyst.wait(timeout=30)
    assert query(warehouse, "select count(*) as n from t")["n"].to_list() == [5]


def test_a_failed_build_is_not_published(tmp_path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with publishing(warehouse) as build:
        _build(build, 3)
    with pytest.raises(RuntimeError), publishing(warehouse) as build:
        _build(build, 9)
        raise RuntimeError("dbt test failed")
    assert query(warehouse, "select count(*) as n from t")["n"].to_list() == [3]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "warehouse.duckdb",
        "warehouse.duckdb.lock",
    ]


def test_a_build_starts_from_the_published_state(tmp_path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with publishing(warehouse) as build:
        _build(build, 3)
    with publishing(warehouse) as build, duckdb.connect(str(build)) as db:
        assert db.execute("select count(*) from t").fetchone() == (3,)
