"""The deployed dagster.yaml works: a real run, its events and materializations land in Postgres."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg2
import pytest

from arb_pipeline.definitions import defs
from arb_pipeline.defs.resources import ArbHomeResource
from arb_pipeline_tests.requirements import skip_or_fail

DAGSTER_YAML = Path(__file__).resolve().parents[2] / "arb_pipeline" / "deploy" / "dagster.yaml"
SERVER = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "connect_timeout": 3}


def _admin() -> psycopg2.extensions.connection:
    """An autocommit connection to the server's `postgres` database."""
    conn = psycopg2.connect(dbname="postgres", **SERVER)
    conn.autocommit = True
    return conn


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    try:
        admin = _admin()
    except psycopg2.OperationalError as error:
        skip_or_fail(f"PostgreSQL is not reachable on 127.0.0.1:5432: {error}")
    name = f"arb_dagster_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    try:
        yield name
    finally:
        admin = _admin()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def pg_instance(
    pg_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dg.DagsterInstance]:
    """A Dagster instance built from the deployed dagster.yaml, pointed at `pg_database`."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DAGSTER_YAML, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_POSTGRES_HOST", SERVER["host"])
    monkeypatch.setenv("DAGSTER_POSTGRES_USER", SERVER["user"])
    monkeypatch.setenv("DAGSTER_POSTGRES_PASSWORD", "")  # trust auth: no password
    monkeypatch.setenv("DAGSTER_POSTGRES_DB", pg_database)
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        yield instance
    finally:
        instance.dispose()


def test_ingest_job_run_is_stored_in_postgres(
    arb_home: Path, pg_instance: dg.DagsterInstance, pg_database: str
) -> None:
    assert type(pg_instance.run_storage).__name__ == "PostgresRunStorage"
    key = dg.MultiPartitionKey({"date": "2026-11-20", "source": "sandbox_ebay_finding"})
    result = defs.resolve_job_def("ingest_sandbox").execute_in_process(
        partition_key=key,
        instance=pg_instance,
        resources={"arb_home": ArbHomeResource(path=str(arb_home))},
    )
    assert result.success
    assert any(arb_home.iterdir())

    with psycopg2.connect(dbname=pg_database, **SERVER) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT pipeline_name, status FROM runs WHERE run_id = %s", [result.run_id])
        assert cursor.fetchall() == [("ingest_sandbox", "SUCCESS")]
        cursor.execute("SELECT count(*) FROM event_logs WHERE run_id = %s", [result.run_id])
        (events,) = cursor.fetchone()
        assert events >= 10
        cursor.execute(
            "SELECT asset_key, partition FROM event_logs"
            " WHERE run_id = %s AND dagster_event_type = 'ASSET_MATERIALIZATION'",
            [result.run_id],
        )
        materialized = sorted(cursor.fetchall())
    conn.close()
    assert materialized == [('["raw_listings"]', str(key)), ('["raw_pages"]', str(key))]
    stored = pg_instance.get_latest_materialization_event(dg.AssetKey("raw_listings"))
    assert stored is not None and stored.run_id == result.run_id
