"""The scrape schedule asks for today's partition of every source."""

from datetime import UTC, datetime

import dagster as dg

from arb_pipeline.defs.ingest.schedules import scrape_every_15_minutes
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
