"""Backfills as an operator runs them: re-parse 2 archived days after a parser fix with
`dagster job backfill`, then rebuild the warehouse for those dates with `dagster asset
materialize` and a date-range config."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import polars as pl
import pytest

from arb_pipeline import ingest
from arb_pipeline.archive import archive_dir
from arb_pipeline.defs.resources import ArbHomeResource
from arb_pipeline.defs.warehouse.assets import warehouse_models
from arb_pipeline.defs.warehouse.resources import dbt_resource
from arb_pipeline.ingest import fetch_sandbox_partition, parse_archive
from arb_pipeline.lake import PARTITION_FILE, partition_dir
from arb_pipeline.paths import ArbHome
from arb_pipeline_tests.dbt_builds import NO_DATA_TESTS, dbt_build, differences

SOURCE = "sandbox_ebay_api"
# a few days are enough: one backfill run per day, a window rebuild, a day outside the window
DAYS = [date(2026, 11, 10) + timedelta(days=n) for n in range(3)]
BACKFILLED = DAYS[1:]  # 2 days; the first one keeps its old parse
WAREHOUSE = "group:warehouse and not tag:opportunities"
FACTS = (
    "int_listing_snapshots",
    "fct_listings",
    "fct_listing_price_changes",
    "int_listings_matched",
)
INSTANCE_YAML = """\
# runs start as soon as they are submitted, without a daemon dequeuing them
run_coordinator:
  module: dagster._core.run_coordinator
  class: DefaultRunCoordinator
telemetry:
  enabled: false
"""


def parser_before_the_fix(parser):
    """The parser as it was before a fix: prices read as cents, conditions not read."""

    def parse_with_problems(body: bytes, url: str):
        records, problems = parser.parse_with_problems(body, url)
        broken = [
            {**record, "price": record["price"] and record["price"] * 100, "condition": "unknown"}
            for record in records
        ]
        return broken, problems

    return SimpleNamespace(
        parse_with_problems=parse_with_problems, PAGE_MARKERS=parser.PAGE_MARKERS
    )


def dagster(home: ArbHome, dagster_home: Path, *args: str) -> subprocess.CompletedProcess:
    """The `dagster` CLI on the project's definitions, with this ARB_HOME and instance."""
    env = {**os.environ, "ARB_HOME": str(home.root), "DAGSTER_HOME": str(dagster_home)}
    command = [str(Path(sys.executable).with_name("dagster")), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200)


def fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under `folder` with its content hash and modification time."""
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    return {
        str(path.relative_to(folder)): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            path.stat().st_mtime_ns,
        )
        for path in files
    }


def lake_file(home: ArbHome, day: date) -> Path:
    return partition_dir(home.raw_listings, SOURCE, day) / PARTITION_FILE


def lake_frame(path: Path) -> pl.DataFrame:
    """A lake partition without its parse time (a re-parse stamps records anew)."""
    return pl.read_parquet(path).drop("scraped_at")


def wait_for_runs(instance: dg.DagsterInstance, backfill_id: str) -> list[dg.DagsterRun]:
    """The backfill's runs once all of them finished."""
    deadline = time.monotonic() + 900
    while True:
        runs = instance.get_runs(dg.RunsFilter(tags={"dagster/backfill": backfill_id}))
        if runs and all(run.is_finished for run in runs):
            return runs
        assert time.monotonic() < deadline, [run.status for run in runs]
        time.sleep(2)


@pytest.fixture(scope="module")
def operated(tmp_path_factory) -> SimpleNamespace:
    """3 archived days parsed by the old parser and built; then the operator's two backfills
    (the data tests run in the rebuild, as asset checks; the builds around it skip them)."""
    root = tmp_path_factory.mktemp("backfills")
    home = ArbHome(root / "arb_home").ensure()
    dagster_home = root / "dagster_home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text(INSTANCE_YAML)
    for day in DAYS:
        fetch_sandbox_partition(home, SOURCE, day)
    parser_for = ingest.parser_for
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ingest, "parser_for", lambda name: parser_before_the_fix(parser_for(name)))
        for day in DAYS:
            parse_archive(home, SOURCE, day)
    dbt_build(home, home.warehouse, *NO_DATA_TESTS)
    before = SimpleNamespace(
        archive=fingerprint(home.archive),
        lake={day: lake_file(home, day).read_bytes() for day in DAYS},
        warehouse=root / "before.duckdb",
    )
    shutil.copy(home.warehouse, before.warehouse)

    partitions = ",".join(f"{day}|{SOURCE}" for day in BACKFILLED)
    backfill = dagster(home, dagster_home, "job", "backfill", "-m", "arb_pipeline.definitions",
                       "-j", "reparse_archive", "--partitions", partitions,
                       "--noprompt")  # fmt: skip
    assert backfill.returncode == 0, backfill.stderr[-4000:]
    backfill_id = backfill.stdout.split("Launched backfill job `")[1].split("`")[0]
    instance = dg.DagsterInstance.from_config(str(dagster_home))
    runs = wait_for_runs(instance, backfill_id)
    lake_after_backfill = {day: lake_file(home, day).read_bytes() for day in DAYS}

    window = {"rebuild_from": str(BACKFILLED[0]), "rebuild_to": str(BACKFILLED[-1])}
    config = {"ops": {"warehouse_models": {"config": window}}}
    rebuild = dagster(home, dagster_home, "asset", "materialize", "-m", "arb_pipeline.definitions",
                      "--select", WAREHOUSE, "--config-json", json.dumps(config))  # fmt: skip
    assert rebuild.returncode == 0, rebuild.stderr[-4000:]
    full = root / "full" / home.warehouse.name  # the same file name: dbt re-uses its parse
    dbt_build(home, full, "--full-refresh", *NO_DATA_TESTS)
    yield SimpleNamespace(
        home=home,
        instance=instance,
        runs=runs,
        before=before,
        lake_after_backfill=lake_after_backfill,
        full=full,
    )
    instance.dispose()


def test_the_backfill_ran_one_successful_run_per_day(operated) -> None:
    assert sorted(run.tags["dagster/partition"] for run in operated.runs) == [
        f"{day}|{SOURCE}" for day in BACKFILLED
    ]
    assert {run.job_name for run in operated.runs} == {"reparse_archive"}
    assert all(run.status == dg.DagsterRunStatus.SUCCESS for run in operated.runs)


def test_the_fixed_parser_reached_the_backfilled_days_and_no_other(operated, tmp_path) -> None:
    home, before = operated.home, operated.before
    scratch = ArbHome(tmp_path / "scratch").ensure()
    for day in BACKFILLED:
        shutil.copytree(archive_dir(home, SOURCE, day), archive_dir(scratch, SOURCE, day))
        parse_archive(scratch, SOURCE, day)  # what today's parser makes of that day's pages
        expected = lake_frame(lake_file(scratch, day))
        assert operated.lake_after_backfill[day] != before.lake[day], day
        assert lake_frame(lake_file(home, day)).equals(expected), day
    assert operated.lake_after_backfill[DAYS[0]] == before.lake[DAYS[0]]


def test_the_backfill_fetched_nothing(operated) -> None:
    assert fingerprint(operated.home.archive) == operated.before.archive
    assert operated.instance.get_latest_materialization_event(dg.AssetKey("raw_pages")) is None
    materialized = operated.instance.get_materialized_partitions(dg.AssetKey("raw_listings"))
    assert materialized == {f"{day}|{SOURCE}" for day in BACKFILLED}


@pytest.mark.parametrize("table", FACTS)
def test_the_date_range_rebuild_equals_a_full_refresh(operated, table) -> None:
    assert differences(operated.before.warehouse, operated.full, table) > 0
    assert differences(operated.home.warehouse, operated.full, table) == 0


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        (
            {"rebuild_from": "2026-11-17", "rebuild_to": "2026-11-11"},
            "rebuild_from 2026-11-17 is after rebuild_to 2026-11-11",
        ),
        ({"rebuild_from": "2026-11-17"}, "rebuild_from and rebuild_to go together"),
        (
            {"rebuild_from": "2026-11-17", "rebuild_to": "17/11/2026"},
            "rebuild_to must be a date like 2026-11-18, not '17/11/2026'",
        ),
        (
            {"rebuild_from": "2026-11-17", "rebuild_to": "2026-11-17", "full_refresh": True},
            "full_refresh rebuilds every date",
        ),
    ],
)
def test_a_wrong_date_range_fails_the_run_with_the_reason(arb_home, config, reason) -> None:
    result = dg.materialize(
        [warehouse_models],
        run_config={"ops": {"warehouse_models": {"config": config}}},
        resources={"dbt": dbt_resource(), "arb_home": ArbHomeResource(path=str(arb_home))},
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    assert reason in failure.step_failure_data.user_failure_data.description
    assert not (arb_home / "warehouse.duckdb").exists()
