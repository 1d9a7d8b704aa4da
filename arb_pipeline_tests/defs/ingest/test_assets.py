"""The ingest assets in Dagster: faults show as failed checks and metadata, not crashes."""

from datetime import date

import dagster as dg

from arb_pipeline.defs.ingest.assets import raw_listings, raw_pages
from arb_pipeline.defs.resources import ArbHomeResource, CrawlResource, SandboxResource

DAY = date(2026, 11, 20)


def _materialize(arb_home, source: str, faults: list[str]) -> dg.ExecuteInProcessResult:
    key = dg.MultiPartitionKey({"date": DAY.isoformat(), "source": source})
    return dg.materialize(
        [raw_pages, raw_listings],
        partition_key=key,
        resources={
            "arb_home": ArbHomeResource(path=str(arb_home)),
            "sandbox": SandboxResource(faults=faults),
            "crawl": CrawlResource(),
        },
        raise_on_error=False,
    )


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {check.check_name: check for check in result.get_asset_check_evaluations()}


def test_http_500_fails_the_crawl_check_but_keeps_the_first_page(arb_home) -> None:
    result = _materialize(arb_home, "sandbox_ebay_api", ["ebay_api_500"])
    assert result.success
    checks = _checks(result)
    assert not checks["crawl_complete"].passed
    assert "HTTP 500" in checks["crawl_complete"].metadata["problems"].value
    assert checks["pages_parsed"].passed
    (listings,) = result.asset_materializations_for_node("raw_listings")
    assert listings.metadata["rows"].value == 50


def test_malformed_page_fails_the_parse_check_and_lands_the_rest(arb_home) -> None:
    result = _materialize(arb_home, "sandbox_craigslist", ["craigslist_malformed"])
    assert result.success
    checks = _checks(result)
    assert "cannot find the next page" in checks["crawl_complete"].metadata["problems"].value
    assert not checks["pages_parsed"].passed
    assert "s=25" in checks["pages_parsed"].metadata["quarantined"].value
    (listings,) = result.asset_materializations_for_node("raw_listings")
    assert listings.metadata["rows"].value == 25


def test_blocked_source_fails_the_run_with_the_reason(arb_home) -> None:
    result = _materialize(arb_home, "sandbox_craigslist", ["craigslist_blocked"])
    assert not result.success
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    assert "blocked" in failure.step_failure_data.error.message


def test_clean_partition_passes_every_check(arb_home) -> None:
    result = _materialize(arb_home, "sandbox_ebay_finding", [])
    assert all(check.passed for check in _checks(result).values())
