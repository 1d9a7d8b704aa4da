"""A real marketplace's pages, crawled per saved search, reach the warehouse (one dbt build)."""

from datetime import date

from arb_pipeline.ingest import fetch_searches, parse_archive
from arb_pipeline.paths import ArbHome
from arb_pipeline.sandbox.catalogue import generate_market
from arb_pipeline.sandbox.server import SandboxMarketplace
from arb_pipeline.searches import Search
from arb_pipeline.sources.crawl import CrawlSettings
from arb_pipeline.sources.marketplaces import MarketplaceAccess
from arb_pipeline_tests.dbt_builds import dbt_build, rows

DAY = date(2026, 11, 20)


def test_searched_craigslist_listings_are_staged_and_snapshotted_once(arb_home) -> None:
    home = ArbHome(arb_home).ensure()
    searches = [
        Search(name=name, marketplaces=["craigslist"], query=name, recipients=["me@example.com"])
        for name in ("phones", "laptops")
    ]
    with SandboxMarketplace(DAY) as sandbox:
        access = MarketplaceAccess(base_urls={"craigslist": sandbox.base_url})
        _, failures = fetch_searches(home, "craigslist", DAY, searches, access, CrawlSettings())
    assert failures == []
    parse_archive(home, "craigslist", DAY)
    warehouse = home.root / "warehouse.duckdb"
    dbt_build(  # other sources: no data; tests of unbuilt models wait (cautious)
        home, warehouse, "--select", "+int_listing_snapshots", "--indirect-selection", "cautious"
    )

    served = len(generate_market(7, DAY).craigslist_active)
    staged = rows(
        warehouse,
        "select count(*), any_value(marketplace) from stg_lake__listings "
        "where source = 'craigslist'",
    )
    assert staged == [(2 * served, "craigslist")]  # both searches found every sandbox listing
    snapshots = rows(
        warehouse,
        "select source, count(*), count(distinct listing_key) from int_listing_snapshots "
        "group by source",
    )
    assert snapshots == [("craigslist", served, served)]  # one snapshot per listing and day
