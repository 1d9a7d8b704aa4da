"""Ingest: raw pages fetched per day and source into the archive, parsed into the lake."""

from datetime import date

import dagster as dg

from arb_pipeline.defs.resources import ArbHomeResource, CrawlResource, SandboxResource
from arb_pipeline.ingest import (
    BlockedFetchError,
    fetch_sandbox_partition,
    health_problems,
    parse_archive,
    partition_health,
)
from arb_pipeline.sources.common import ParseError
from arb_pipeline.sources.registry import SANDBOX_SOURCES

raw_partitions = dg.MultiPartitionsDefinition(
    {
        "date": dg.DailyPartitionsDefinition(start_date="2026-01-01", end_offset=1),
        "source": dg.StaticPartitionsDefinition(list(SANDBOX_SOURCES)),
    }
)


def _partition(context: dg.AssetExecutionContext) -> tuple[date, str]:
    keys = context.partition_key.keys_by_dimension
    return date.fromisoformat(keys["date"]), keys["source"]


def _bullets(lines: list[str]) -> dg.MetadataValue:
    return dg.MetadataValue.md("\n".join(f"- {line}" for line in lines) or "none")


@dg.asset(
    partitions_def=raw_partitions,
    group_name="ingest",
    kinds={"scrapy"},
    check_specs=[
        dg.AssetCheckSpec(
            "crawl_complete",
            asset="raw_pages",
            description="Every result page of the partition was fetched.",
        )
    ],
)
def raw_pages(
    context: dg.AssetExecutionContext,
    arb_home: ArbHomeResource,
    sandbox: SandboxResource,
    crawl: CrawlResource,
) -> dg.MaterializeResult:
    """Result pages as fetched (gzip, ARB_HOME/archive); one folder per (date, source)."""
    day, source = _partition(context)
    try:
        report = fetch_sandbox_partition(
            arb_home.home(),
            source,
            day,
            seed=sandbox.seed,
            faults=frozenset(sandbox.faults),
            settings=crawl.settings_for(source),
        )
    except BlockedFetchError as error:
        raise dg.Failure(description=str(error)) from error
    for problem in report.problems:
        context.log.warning(problem)
    return dg.MaterializeResult(
        metadata={"pages": report.pages, "fetch_problems": len(report.problems)},
        check_results=[
            dg.AssetCheckResult(
                check_name="crawl_complete",
                passed=not report.problems,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"problems": _bullets(report.problems)},
            )
        ],
    )


@dg.asset(
    partitions_def=raw_partitions,
    group_name="ingest",
    kinds={"parquet"},
    deps=[raw_pages],
    automation_condition=dg.AutomationCondition.eager(),
    check_specs=[
        dg.AssetCheckSpec(
            "pages_parsed",
            asset="raw_listings",
            description="No archived page or record had to be quarantined.",
        ),
        dg.AssetCheckSpec(
            "parser_health",
            asset="raw_listings",
            description="Row count and shares of parsed title/price/condition hold up against "
            "the source's trailing 7 partitions (a layout change fails this check).",
        ),
    ],
)
def raw_listings(
    context: dg.AssetExecutionContext, arb_home: ArbHomeResource
) -> dg.MaterializeResult:
    """Listings parsed from archived pages, one row per scrape; key (source, listing_id)."""
    day, source = _partition(context)
    home = arb_home.home()
    try:
        report = parse_archive(home, source, day)
    except (ParseError, FileNotFoundError) as error:
        raise dg.Failure(description=str(error)) from error
    quarantined = [f"{url}: {reason}" for url, reason in report.quarantined]
    for line in quarantined:
        context.log.warning(f"quarantined {line}")
    health = partition_health(home, source, day)
    unhealthy = health_problems(health)
    return dg.MaterializeResult(
        metadata={
            "rows": report.rows,
            "pages": report.pages,
            "quarantined": len(quarantined),
            "path": dg.MetadataValue.path(str(report.path)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="pages_parsed",
                passed=not quarantined,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"quarantined": _bullets(quarantined)},
            ),
            dg.AssetCheckResult(
                check_name="parser_health",
                passed=not unhealthy,
                metadata={"problems": _bullets(unhealthy), "health": dg.MetadataValue.json(health)},
            ),
        ],
    )


ingest_sandbox_job = dg.define_asset_job(
    "ingest_sandbox",
    selection=[raw_pages, raw_listings],
    description="Fetch and parse one (date, source) partition of the sandbox marketplace.",
)
reparse_job = dg.define_asset_job(
    "reparse_archive",
    selection=[raw_listings],
    description="Re-parse archived pages (backfill after a parser fix; fetches nothing).",
)
