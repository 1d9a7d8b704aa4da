"""Ingest of one partition from the sandbox: real HTTP crawls, faults reported, data kept."""

from datetime import date

import dagster as dg
import polars as pl
import pytest

from arb_pipeline.defs.ingest.assets import raw_listings
from arb_pipeline.defs.resources import ArbHomeResource, SandboxResource
from arb_pipeline.ingest import BlockedFetchError, scrape_sandbox_partition
from arb_pipeline.lake import partition_dir
from arb_pipeline.paths import ArbHome
from arb_pipeline.sandbox.catalogue import generate_market
from arb_pipeline.sandbox.server import CRAIGSLIST_PAGE_SIZE

DAY = date(2026, 11, 20)


def test_crawl_follows_every_page_and_writes_one_partition_file(arb_home) -> None:
    home = ArbHome.from_env().ensure()
    report = scrape_sandbox_partition(home, "sandbox_craigslist", DAY)
    expected = len(generate_market(7, DAY).craigslist_active)
    assert report.problems == []
    assert report.rows == expected
    assert report.pages == -(-expected // CRAIGSLIST_PAGE_SIZE)
    files = list(partition_dir(home.raw_listings, "sandbox_craigslist", DAY).iterdir())
    assert [f.name for f in files] == ["listings.parquet"]
    assert pl.read_parquet(files[0]).height == expected
    assert list((home.archive / "source=sandbox_craigslist" / f"date={DAY}").glob("*.gz"))


def test_malformed_page_is_reported_and_good_listings_are_kept(arb_home) -> None:
    home = ArbHome.from_env().ensure()
    report = scrape_sandbox_partition(
        home, "sandbox_craigslist", DAY, faults=frozenset({"craigslist_malformed"})
    )
    assert report.rows == CRAIGSLIST_PAGE_SIZE
    assert len(report.problems) == 1
    assert "s=25" in report.problems[0] and "parse error" in report.problems[0]


def test_blocked_crawl_fails_and_leaves_the_partition_as_it_was(arb_home) -> None:
    home = ArbHome.from_env().ensure()
    good = scrape_sandbox_partition(home, "sandbox_craigslist", DAY)
    before = good.path.read_bytes()
    with pytest.raises(BlockedFetchError, match="blocked"):
        scrape_sandbox_partition(
            home, "sandbox_craigslist", DAY, faults=frozenset({"craigslist_blocked"})
        )
    assert good.path.read_bytes() == before


def _materialize(arb_home, faults: list[str]) -> dg.ExecuteInProcessResult:
    key = dg.MultiPartitionKey({"date": DAY.isoformat(), "source": "sandbox_ebay_api"})
    return dg.materialize(
        [raw_listings],
        partition_key=key,
        resources={
            "arb_home": ArbHomeResource(path=str(arb_home)),
            "sandbox": SandboxResource(faults=faults),
        },
        raise_on_error=False,
    )


def test_http_500_fails_the_crawl_check_but_keeps_the_first_page(arb_home) -> None:
    result = _materialize(arb_home, ["ebay_api_500"])
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed
    assert "HTTP 500" in check.metadata["problems"].value
    (materialization,) = result.asset_materializations_for_node("raw_listings")
    assert materialization.metadata["rows"].value == 50
    assert materialization.metadata["problems"].value == 1


def test_clean_crawl_passes_the_check(arb_home) -> None:
    result = _materialize(arb_home, [])
    (check,) = result.get_asset_check_evaluations()
    assert check.passed
