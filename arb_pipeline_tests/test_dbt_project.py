"""The dbt warehouse over several days of sandbox scrapes: history, price cuts, incremental."""

import shutil
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from arb_pipeline.ingest import fetch_sandbox_partition, parse_archive
from arb_pipeline.paths import ArbHome
from arb_pipeline_tests.dbt_builds import NO_DATA_TESTS, dbt_build, rows

FIRST_DAY = date(2026, 11, 18)
DAYS = [FIRST_DAY + timedelta(days=n) for n in range(3)]
SOURCES = ("sandbox_ebay_api", "sandbox_craigslist", "sandbox_ebay_finding")


def write_predictions(listings: pl.DataFrame, path: Path) -> None:
    """A resale prediction at eBay for each listing (source, listing_id, price): p50 1.5 and
    p90 2 times its price, even odds of selling."""
    price = pl.col("price").cast(pl.Float64)
    listings.select(
        "source",
        "listing_id",
        exit_marketplace=pl.lit("ebay"),
        pred_p10=price,
        pred_p50=price * 1.5,
        pred_p90=price * 2,
        currency=pl.lit("USD"),
        sell_probability=pl.lit(0.5),
    ).write_parquet(path)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[ArbHome, Path, Path]:
    """An incremental build after each day's scrape, then a full refresh: only the incremental
    builds run the data tests (the full refresh must equal the last one)."""
    home = ArbHome(tmp_path_factory.mktemp("arb_home")).ensure()
    incremental = home.root / "incremental" / "warehouse.duckdb"
    for day in DAYS:  # one scrape a day, an incremental build after each
        for source in SOURCES:
            fetch_sandbox_partition(home, source, day)
            parse_archive(home, source, day)
        dbt_build(home, incremental)
    full = home.root / "full" / "warehouse.duckdb"
    dbt_build(home, full, "--full-refresh", *NO_DATA_TESTS)
    return home, incremental, full


def test_incremental_builds_equal_a_full_rebuild(built) -> None:
    _, incremental, full = built
    for table, key in (
        ("fct_listings", "listing_key"),
        ("fct_listing_price_changes", "change_key"),
        ("int_listing_snapshots", "snapshot_key"),
        ("int_listings_matched", "listing_key"),
        ("dim_products", "product_id"),
        ("fct_sold_comps", "listing_key"),
        ("mart_product_price_stats", "product_id, condition"),
    ):
        sql = f"select * exclude (attributes) from {table} order by {key}"
        if table not in ("fct_listings", "int_listing_snapshots", "int_listings_matched"):
            sql = f"select * from {table} order by {key}"
        assert rows(incremental, sql) == rows(full, sql), table


def test_listings_seen_on_several_days_keep_their_history(built) -> None:
    _, warehouse, _ = built
    ((carried, most),) = rows(
        warehouse,
        "select count(*) filter (where times_seen > 1), max(times_seen) from fct_listings",
    )
    assert carried > 0 and most == len(DAYS)


def test_price_cuts_are_recorded_with_their_drop(built) -> None:
    _, warehouse, _ = built
    changes = rows(
        warehouse, "select previous_price, price, drop_pct from fct_listing_price_changes"
    )
    assert changes
    for previous, price, drop in changes:
        assert price < previous
        assert float(drop) == pytest.approx(float(100 * (previous - price) / previous), abs=0.01)


def test_opportunities_are_the_active_listings_of_the_latest_scrape(built, tmp_path) -> None:
    home, built_warehouse, _ = built
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, warehouse)
    active = pl.DataFrame(
        rows(warehouse, "select source, listing_id, price from fct_listings where price > 0"),
        schema=["source", "listing_id", "price"],
        orient="row",
    )
    # a prediction for every listing (at one exit), so only status and liveness decide
    write_predictions(active, home.predictions)
    dbt_build(home, warehouse, "--select", "fct_opportunity_exits", "fct_opportunities")
    expected = rows(
        warehouse,
        "select listing_key from fct_listings where status = 'active' and last_seen_on = ?"
        " and price > 0 order by all",  # listings in euros too: priced through the FX rates
        [DAYS[-1]],
    )
    assert 0 < len(expected) < rows(warehouse, "select count(*) from fct_listings")[0][0]
    assert rows(warehouse, "select listing_key from fct_opportunities order by all") == expected


def test_comps_stats_say_when_there_are_too_few(built) -> None:
    _, warehouse, _ = built
    statuses = dict(
        rows(
            warehouse,
            "select comps_status, count(*) from mart_product_price_stats group by comps_status",
        )
    )
    assert statuses.get("ok", 0) > 0
    assert rows(
        warehouse,
        "select count(*) from mart_product_price_stats "
        "where (comps_count >= 5) <> (comps_status = 'ok')",
    ) == [(0,)]
