"""A job for the celery test: three sandbox sources ingested in parallel, then a join.

Celery workers rebuild the job from this module (a reconstructable job must live at module
top level in an importable module), so it is kept apart from the test itself.
"""

from datetime import date

import dagster as dg
from dagster_celery import celery_executor

from arb_pipeline.defs.environment import from_environment
from arb_pipeline.defs.resources import ArbHomeResource
from arb_pipeline.ingest import fetch_sandbox_partition, parse_archive

DAY = date(2024, 5, 1)
SOURCES = ("sandbox_ebay_api", "sandbox_ebay_finding", "sandbox_craigslist")


def _ingest_op(source: str) -> dg.OpDefinition:
    @dg.op(name=f"ingest_{source}")
    def _ingest(context: dg.OpExecutionContext, arb_home: ArbHomeResource) -> int:
        """Fetch then parse one partition, with the project's own functions."""
        home = arb_home.home()
        fetch_sandbox_partition(home, source, DAY)
        rows = parse_archive(home, source, DAY).rows
        context.log.info(f"{source}: {rows} rows")
        return rows

    return _ingest


@dg.op
def total_rows(counts: list[int]) -> int:
    return sum(counts)


@dg.job(
    executor_def=celery_executor,
    resource_defs={"arb_home": from_environment("arb_home", ArbHomeResource)},
)
def parallel_ingest() -> None:
    total_rows([_ingest_op(source)() for source in SOURCES])
