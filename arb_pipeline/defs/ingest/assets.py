"""Ingest: raw pages fetched per day and source into the archive, parsed into the lake.

Sandbox sources are crawled whole; a real marketplace is crawled for each enabled saved search
that lists it (ARB_HOME/searches.yaml), each search's pages archived in their own subfolder.
"""

from datetime import date

import dagster as dg

from arb_pipeline.defs.freshness import STALE_POLICY
from arb_pipeline.defs.ingest.resources import (
    CrawlResource,
    MarketplacesResource,
    SandboxResource,
)
from arb_pipeline.defs.resources import ArbHomeResource, SavedSearches
from arb_pipeline.ingest import (
    BlockedFetchError,
    FetchReport,
    fetch_sandbox_partition,
    fetch_searches,
    health_problems,
    parse_archive,
    partition_health,
    searches_to_crawl,
)
from arb_pipeline.paths import ArbHome
from arb_pipeline.searches import SearchesError, load_searches
from arb_pipeline.sources.common import ParseError
from arb_pipeline.sources.ebay_auth import EbayAuthError
from arb_pipeline.sources.registry import MARKETPLACE_SOURCES, SANDBOX_SOURCES

raw_partitions = dg.MultiPartitionsDefinition(
    {
        "date": dg.DailyPartitionsDefinition(start_date="2026-01-01", end_offset=1),
        "source": dg.StaticPartitionsDefinition([*SANDBOX_SOURCES, *MARKETPLACE_SOURCES]),
    }
)


class RawPagesConfig(dg.Config):
    """Which saved searches a real marketplace's crawl covers (empty: every enabled one)."""

    searches: list[str] = []


def _partition(context: dg.AssetExecutionContext) -> tuple[date, str]:
    keys = context.partition_key.keys_by_dimension
    return date.fromisoformat(keys["date"]), keys["source"]


def _retry_or_fail(
    context: dg.AssetExecutionContext, crawl: CrawlResource, reason: str
) -> Exception:
    """A blocked fetch is retried later with exponential backoff, then fails with its reason."""
    if context.retry_number < crawl.blocked_retries:
        wait = crawl.blocked_backoff_seconds * 2**context.retry_number
        context.log.warning(f"{reason}; retry {context.retry_number + 1} in {wait} s")
        return dg.RetryRequested(max_retries=crawl.blocked_retries, seconds_to_wait=wait)
    return dg.Failure(description=reason)


def _bullets(lines: list[str]) -> dg.MetadataValue:
    return dg.MetadataValue.md("\n".join(f"- {line}" for line in lines) or "none")


def _warning_check(name: str, label: str, lines: list[str]) -> dg.AssetCheckResult:
    """A check that warns when there are `lines` (listed in its metadata under `label`)."""
    return dg.AssetCheckResult(
        check_name=name,
        passed=not lines,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={label: _bullets(lines)},
    )


@dg.asset(
    partitions_def=raw_partitions,
    group_name="ingest",
    freshness_policy=STALE_POLICY,
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
    config: RawPagesConfig,
    arb_home: ArbHomeResource,
    sandbox: SandboxResource,
    crawl: CrawlResource,
    marketplaces: MarketplacesResource,
    saved_searches: SavedSearches,
) -> dg.MaterializeResult:
    """Result pages as fetched (gzip, ARB_HOME/archive); one folder per (date, source)."""
    day, source = _partition(context)
    home = arb_home.home()
    if source in SANDBOX_SOURCES:
        try:
            report = fetch_sandbox_partition(
                home,
                source,
                day,
                seed=sandbox.seed,
                faults=frozenset(sandbox.faults),
                settings=crawl.settings_for(source),
            )
        except BlockedFetchError as error:
            raise _retry_or_fail(context, crawl, str(error)) from error
        reports = [report]
    else:
        reports = _fetch_marketplace(context, config, home, saved_searches, marketplaces, crawl)
    problems = [
        f"{report.search}: {problem}" if report.search else problem
        for report in reports
        for problem in report.problems
    ]
    for problem in problems:
        context.log.warning(problem)
    searches = [report.search for report in reports if report.search]
    return dg.MaterializeResult(
        metadata={
            "pages": sum(report.pages for report in reports),
            "fetch_problems": len(problems),
            **({"searches": ", ".join(searches)} if searches else {}),
        },
        check_results=[_warning_check("crawl_complete", "problems", problems)],
    )


def _fetch_marketplace(
    context: dg.AssetExecutionContext,
    config: RawPagesConfig,
    home: ArbHome,
    saved_searches: SavedSearches,
    marketplaces: MarketplacesResource,
    crawl: CrawlResource,
) -> list[FetchReport]:
    """Crawl the partition's real marketplace for its saved searches; fail on any failure."""
    day, source = _partition(context)
    path = saved_searches.path(home)
    try:
        searches = searches_to_crawl(load_searches(path), source, config.searches)
    except SearchesError as error:
        raise dg.Failure(description=str(error)) from error
    except ValueError as error:
        raise dg.Failure(description=f"{path}: {error}") from error
    if not searches:
        raise dg.Failure(
            description=f"no enabled saved search in {path} lists {source!r} in its marketplaces"
        )
    try:
        access = marketplaces.access(home, source)
    except EbayAuthError as error:
        raise dg.Failure(description=f"{source}: {error}") from error
    reports, failures = fetch_searches(
        home, source, day, searches, access, crawl.settings_for(source)
    )
    if failures:
        fetched = ", ".join(f"{r.search} ({r.pages} pages)" for r in reports) or "none"
        reason = f"{source} {day}: search(es) failed: {'; '.join(failures)} (archived: {fetched})"
        if all(": blocked: " in f for f in failures):  # BlockedFetchError's own wording
            raise _retry_or_fail(context, crawl, reason)
        raise dg.Failure(description=reason, metadata={"failures": _bullets(failures)})
    return reports


@dg.asset(
    partitions_def=raw_partitions,
    group_name="ingest",
    freshness_policy=STALE_POLICY,
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
            description="Every archived page was read (a page in a layout the parser does not "
            "know fails this check at once: 'layout changed'), and row count and shares of "
            "parsed title/price/condition hold up against the source's trailing 7 partitions.",
            blocking=True,  # a failure fails the run, so the operator email says so
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
    unhealthy = report.layout_changes + health_problems(health, report.page_states)
    return dg.MaterializeResult(
        metadata={
            "rows": report.rows,
            "pages": report.pages,
            **{f"pages_{state}": count for state, count in report.page_states.items()},
            "quarantined": len(quarantined),
            "path": dg.MetadataValue.path(str(report.path)),
        },
        check_results=[
            _warning_check("pages_parsed", "quarantined", quarantined),
            dg.AssetCheckResult(
                check_name="parser_health",
                passed=not unhealthy,
                # a layout change fails the run at once; a drift from history is a warning
                severity=dg.AssetCheckSeverity.ERROR
                if report.layout_changes
                else dg.AssetCheckSeverity.WARN,
                description="; ".join(unhealthy)[:2000] or None,
                metadata={
                    "problems": _bullets(unhealthy),
                    "page_states": dg.MetadataValue.json(report.page_states),
                    "health": dg.MetadataValue.json(health),
                },
            ),
        ],
    )


ingest_sandbox_job = dg.define_asset_job(
    "ingest_sandbox",
    selection=[raw_pages, raw_listings],
    description="Fetch and parse one (date, source) partition of the sandbox marketplace.",
)
scrape_searches_job = dg.define_asset_job(
    "scrape_searches",
    selection=[raw_pages, raw_listings],
    description="Fetch and parse a real marketplace's (date, source) partition for saved searches "
    "(run config `ops: {raw_pages: {config: {searches: [NAME]}}}` restricts it to some).",
)
reparse_job = dg.define_asset_job(
    "reparse_archive",
    selection=[raw_listings],
    description="Re-parse archived pages (backfill after a parser fix; fetches nothing).",
    executor_def=dg.in_process_executor,  # one step: a step process per run only adds start-up
)
