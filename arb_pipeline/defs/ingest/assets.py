"""Ingest: raw listings scraped per day and source into the Parquet lake."""

from datetime import date

import dagster as dg

from arb_pipeline.defs.resources import ArbHomeResource, SandboxResource
from arb_pipeline.ingest import BlockedFetchError, scrape_sandbox_partition
from arb_pipeline.sources.registry import SANDBOX_SOURCES

raw_listings_partitions = dg.MultiPartitionsDefinition(
    {
        "date": dg.DailyPartitionsDefinition(start_date="2026-01-01", end_offset=1),
        "source": dg.StaticPartitionsDefinition(list(SANDBOX_SOURCES)),
    }
)


@dg.asset(
    partitions_def=raw_listings_partitions,
    group_name="ingest",
    kinds={"scrapy", "parquet"},
    check_specs=[
        dg.AssetCheckSpec(
            "crawl_complete",
            asset="raw_listings",
            description="Every page of the partition's crawl was fetched and parsed.",
        )
    ],
)
def raw_listings(
    context: dg.AssetExecutionContext, arb_home: ArbHomeResource, sandbox: SandboxResource
) -> dg.MaterializeResult:
    """Listings as scraped, one row per listing per scrape; partition = (date, source)."""
    keys = context.partition_key.keys_by_dimension
    day, source = date.fromisoformat(keys["date"]), keys["source"]
    try:
        report = scrape_sandbox_partition(
            arb_home.home(), source, day, seed=sandbox.seed, faults=frozenset(sandbox.faults)
        )
    except BlockedFetchError as error:
        raise dg.Failure(description=str(error)) from error
    for problem in report.problems:
        context.log.warning(problem)
    return dg.MaterializeResult(
        metadata={
            "rows": report.rows,
            "pages": report.pages,
            "problems": len(report.problems),
            "path": dg.MetadataValue.path(str(report.path)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="crawl_complete",
                passed=not report.problems,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "problems": dg.MetadataValue.md(
                        "\n".join(f"- {p}" for p in report.problems) or "none"
                    )
                },
            )
        ],
    )


ingest_sandbox_job = dg.define_asset_job(
    "ingest_sandbox",
    selection=[raw_listings],
    description="Scrape one (date, source) partition of the sandbox marketplace.",
)
