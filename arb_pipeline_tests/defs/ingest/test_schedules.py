"""The scrape schedules ask for today's partitions: every sandbox source, and each saved
search's real marketplaces at its own interval."""

import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from arb_pipeline.definitions import defs
from arb_pipeline.defs.ingest.schedules import (
    scrape_every_15_minutes,
    search_cron,
    search_schedules,
)
from arb_pipeline.defs.resources import ArbHomeResource
from arb_pipeline.sources.registry import SANDBOX_SOURCES


def test_schedule_requests_one_run_per_source_for_the_tick_day() -> None:
    tick = datetime(2026, 11, 23, 10, 15, tzinfo=UTC)
    context = dg.build_schedule_context(scheduled_execution_time=tick)
    requests = scrape_every_15_minutes(context)
    assert sorted(r.partition_key.keys_by_dimension["source"] for r in requests) == sorted(
        SANDBOX_SOURCES
    )
    assert {r.partition_key.keys_by_dimension["date"] for r in requests} == {"2026-11-23"}
    assert len({r.run_key for r in requests}) == len(requests)


SEARCHES = """\
searches:
  - name: phones-sf
    marketplaces: [craigslist, ebay_api, sandbox_craigslist]
    query: iphone
    location: sfbay
    recipients: [me@example.com]
    every_minutes: 45
  - name: laptops
    marketplaces: [ebay]
    query: macbook
    recipients: [me@example.com]
  - name: sandbox-only
    marketplaces: [sandbox_ebay_api]
    recipients: [me@example.com]
  - name: paused
    enabled: false
    marketplaces: [ebay]
    query: camera
    recipients: [me@example.com]
"""


def _evaluate(schedule: dg.ScheduleDefinition, tick: datetime) -> list[dg.RunRequest] | str:
    repository = defs.get_repository_def()
    with dg.build_schedule_context(
        scheduled_execution_time=tick, repository_def=repository
    ) as context:
        result = schedule.evaluate_tick(context)
    return result.skip_message if result.skip_message else list(result.run_requests)


def test_one_stopped_schedule_per_enabled_search_on_real_marketplaces(tmp_path: Path) -> None:
    path = tmp_path / "searches.yaml"
    path.write_text(SEARCHES)
    schedules = {schedule.name: schedule for schedule in search_schedules(path)}
    assert sorted(schedules) == ["scrape_search_laptops", "scrape_search_phones_sf"]
    assert {s.default_status for s in schedules.values()} == {dg.DefaultScheduleStatus.STOPPED}
    assert schedules["scrape_search_laptops"].cron_schedule == "*/15 * * * *"
    assert schedules["scrape_search_phones_sf"].cron_schedule == "*/15 * * * *"


def test_search_schedule_requests_todays_partitions_of_its_marketplaces(tmp_path: Path) -> None:
    path = tmp_path / "searches.yaml"
    path.write_text(SEARCHES)
    (phones, _) = sorted(search_schedules(path), key=lambda s: s.name, reverse=True)
    tick = datetime(2026, 11, 23, 0, 45, tzinfo=UTC)
    requests = _evaluate(phones, tick)
    assert [r.partition_key for r in requests] == ["2026-11-23|craigslist", "2026-11-23|ebay_api"]
    config = {"ops": {"raw_pages": {"config": {"searches": ["phones-sf"]}}}}
    assert all(r.run_config == config for r in requests)
    assert dg.validate_run_config(defs.resolve_job_def("scrape_searches"), config)
    assert len({r.run_key for r in requests}) == 2
    assert [r.run_key for r in _evaluate(phones, tick)] == [r.run_key for r in requests]
    assert "not due" in _evaluate(phones, tick + timedelta(minutes=15))  # every 45 minutes
    later = _evaluate(phones, tick + timedelta(minutes=45))
    assert len(later) == 2 and not {r.run_key for r in later} & {r.run_key for r in requests}


def test_search_cron_ticks_evenly_on_every_due_minute() -> None:
    assert [search_cron(m) for m in (5, 15, 45, 60, 90, 7, 1440)] == [
        "*/5 * * * *",
        "*/15 * * * *",
        "*/15 * * * *",
        "0 * * * *",
        "*/30 * * * *",
        "* * * * *",
        "0 * * * *",
    ]


def test_broken_searches_file_loads_no_search_schedule_and_says_where(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "searches.yaml"
    path.write_text(SEARCHES.replace("every_minutes: 45", "every_minutes: often"))
    with caplog.at_level(logging.ERROR):
        assert search_schedules(path) == []
    assert f"{path}:7: search 'phones-sf' field 'every_minutes'" in caplog.text


def test_code_location_loads_with_a_broken_searches_file(arb_home: Path) -> None:
    (arb_home / "searches.yaml").write_text("searches:\n  - name: [unclosed\n")
    script = "from arb_pipeline.definitions import defs; print(len(defs.resolve_all_job_defs()))"
    completed = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script], capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr
    assert f"{arb_home / 'searches.yaml'}:3: invalid YAML" in completed.stderr


def _archive_index(home: Path, source: str, day: str, age: timedelta, search: str = "") -> None:
    folder = home / "archive" / f"source={source}" / f"date={day}" / search
    folder.mkdir(parents=True, exist_ok=True)
    index = folder / "pages.jsonl"
    index.write_text("{}\n")
    moment = (datetime.now(UTC) - age).timestamp()
    os.utime(index, (moment, moment))


def test_source_freshness_check_names_each_stopped_scraper(arb_home: Path) -> None:
    _archive_index(arb_home, "sandbox_craigslist", "2026-11-23", timedelta(minutes=10))
    _archive_index(arb_home, "sandbox_ebay_api", "2026-11-23", timedelta(hours=5))
    _archive_index(arb_home, "craigslist", "2026-11-22", timedelta(hours=30), "search=phones")
    _archive_index(arb_home, "craigslist", "2026-11-23", timedelta(hours=3), "search=bikes")
    _archive_index(arb_home, "gumtree", "2026-11-01", timedelta(days=22))  # retired, not stopped
    result = defs.resolve_job_def("check_source_freshness").execute_in_process(
        resources={"arb_home": ArbHomeResource(path=str(arb_home))}
    )
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.check_name == "every_source_fresh" and not evaluation.passed
    assert evaluation.metadata["stopped"].value == "craigslist, sandbox_ebay_api"
    assert set(evaluation.metadata["last_fetch"].value) == {
        "sandbox_craigslist",
        "sandbox_ebay_api",
        "craigslist",
        "gumtree",
    }


def test_source_freshness_check_passes_when_every_scraper_runs(arb_home: Path) -> None:
    _archive_index(arb_home, "sandbox_craigslist", "2026-11-23", timedelta(minutes=10))
    result = defs.resolve_job_def("check_source_freshness").execute_in_process(
        resources={"arb_home": ArbHomeResource(path=str(arb_home))}
    )
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.passed
