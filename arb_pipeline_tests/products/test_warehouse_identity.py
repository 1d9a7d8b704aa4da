"""The warehouse and the CLI agree: a real dbt build over real titles gives every listing the
product id that `arb-pipeline products identify` gives the same rows."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from arb_pipeline.lake import records_to_frame, write_partition
from arb_pipeline.paths import ArbHome
from arb_pipeline.products import identify_frame
from arb_pipeline_tests.dbt_builds import NO_DATA_TESTS, dbt_build

DAY_ONE, DAY_TWO = date(2026, 11, 18), date(2026, 11, 19)


def _macbook_records(shared_fixtures: Path) -> list[dict]:
    frame = pl.read_csv(
        shared_fixtures / "ebay_finding_api" / "macbook_completed_items_2016.csv",
        infer_schema_length=0,
    ).head(1500)
    return [
        {
            "listing_id": row["itemId"],
            "url": f"https://www.ebay.com/itm/{row['itemId']}",
            "title": row["title"],
            "price": float(row["value"]),
            "currency": "USD",
            "condition": "for_parts" if row["conditionId"] == "7000" else "good",
            "category_raw": row["categoryName"],
            "status": "sold" if row["sellingState"] == "EndedWithSales" else "ended",
            "attributes": {"upc": "885909565527"} if row["itemId"].endswith("7") else {},
        }
        for row in frame.iter_rows(named=True)
    ]


# a listing's title reworded by another seller: no model or identifier, so only a fuzzy match
# within the brand joins them; the second comes a day after the first
JACKETS = (
    "Patagonia Better Sweater Fleece Jacket Men Medium",
    "Mens Patagonia Better Sweater Fleece Jackets size Medium",
)


def _jacket(number: int) -> dict:
    return {
        "listing_id": f"jacket{number}",
        "url": f"https://www.ebay.com/itm/jacket{number}",
        "title": JACKETS[number],
        "brand": "Patagonia",
        "price": 60.0 + number,
        "currency": "USD",
        "condition": "good",
        "category_raw": "Coats, Jackets & Vests",
        "status": "active",
    }


def _gpu_records(shared_fixtures: Path) -> list[dict]:
    from arb_pipeline.sources import ebay

    body = gzip.decompress(
        (shared_fixtures / "ebay_html" / "search_rtx3080_scard_2026.html.gz").read_bytes()
    )
    return ebay.parse(body, "https://www.ebay.com/sch/i.html?_nkw=rtx+3080")


def _write(home: ArbHome, source: str, day: date, records: list[dict]) -> None:
    scraped = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    stamped = [{**r, "scraped_at": scraped, "status": r.get("status") or "active"} for r in records]
    write_partition(home.raw_listings, source, day, records_to_frame(stamped))


@pytest.fixture(scope="module")
def warehouse(shared_fixtures: Path, tmp_path_factory) -> tuple[Path, pl.DataFrame]:
    """Two days of real listings built incrementally (the second day adds new titles), then
    the first day re-parsed with changed titles and rebuilt as a window (that last build runs
    the data tests)."""
    home = ArbHome(tmp_path_factory.mktemp("arb_home")).ensure()
    macbooks, gpus = _macbook_records(shared_fixtures), _gpu_records(shared_fixtures)
    _write(home, "ebay_api", DAY_ONE, [*macbooks[:800], _jacket(0)])
    _write(home, "ebay", DAY_ONE, gpus[:30])
    path = home.root / "warehouse.duckdb"
    dbt_build(home, path, *NO_DATA_TESTS)
    _write(home, "ebay_api", DAY_TWO, [*macbooks[600:], _jacket(1)])
    _write(home, "ebay", DAY_TWO, gpus)
    dbt_build(home, path, *NO_DATA_TESTS)
    # day one re-parsed with new titles: a rebuild of that window identifies them
    reparsed = [{**r, "title": f"{r['title']} - FOR PARTS"} for r in macbooks[:100]]
    _write(home, "ebay_api", DAY_ONE, [*reparsed, *macbooks[100:800], _jacket(0)])
    dbt_build(home, path, "--vars", f'{{rebuild_from: "{DAY_ONE}", rebuild_to: "{DAY_ONE}"}}')
    with duckdb.connect(str(path), read_only=True) as db:
        listings = db.sql(
            "select listing_key, title, brand, category_raw as category, condition, attributes,"
            " product_id, identified_by, product_kind from fct_listings order by listing_key"
        ).pl()
    return path, listings


def test_every_listing_gets_the_id_the_cli_code_gives(warehouse):
    _, listings = warehouse
    assert listings.height > 1550  # 1,500 MacBooks and the GPU page's distinct listings
    expected = identify_frame(
        listings.select("title", "brand", "category", "condition", "attributes").with_columns(
            pl.when(pl.col("condition") == "for_parts").then(pl.col("condition"))
        )
    )
    assert listings["product_id"].to_list() == expected["product_id"].to_list()
    assert listings["identified_by"].to_list() == expected["identified_by"].to_list()
    assert listings["product_kind"].to_list() == expected["product_kind"].to_list()
    reparsed = listings.filter(pl.col("title").str.ends_with(" - FOR PARTS"))
    assert reparsed.height == 100 and "item" not in set(reparsed["product_kind"])


def test_a_later_build_fuzzy_joins_a_product_an_earlier_build_found(warehouse):
    _, listings = warehouse
    jackets = listings.filter(pl.col("title").is_in(JACKETS)).sort("title", descending=True)
    assert jackets["title"].to_list() == list(JACKETS)
    assert jackets["identified_by"].to_list() == ["none", "fuzzy"]
    assert jackets["product_id"][0] == jackets["product_id"][1]
    # on its own, the second day's title is a product of its own: the earlier build's product
    # is what it joined
    alone = identify_frame(jackets.select("title", "brand", "category").tail(1))
    assert (
        alone["identified_by"][0] == "none" and alone["product_id"][0] != jackets["product_id"][0]
    )


def test_dim_products_groups_real_titles_and_counts_how(warehouse):
    path, listings = warehouse
    with duckdb.connect(str(path), read_only=True) as db:
        products = db.sql("select * from dim_products").pl()
        barcode = db.execute(
            "select count(distinct product_id), count(*) from fct_listings"
            " where product_id = 'id:885909565527'"
        ).fetchone()
    assert products["listings"].sum() == listings.height
    assert products.height < listings.height / 3  # comps: products have several listings
    assert set(products["identified_by"]) <= {"identifier", "attributes", "fuzzy", "none"}
    gpu = products.filter(pl.col("product_id") == "attr:nvidia rtx 3080 10gb-ram")
    assert gpu["listings"][0] >= 30 and gpu["product_kind"][0] == "item"
    assert barcode[0] == 1 and barcode[1] > 100  # a barcode in the attributes wins


def test_market_report_says_how_listings_were_identified(warehouse, tmp_path: Path):
    from arb_pipeline.alerts.store import StateStore
    from arb_pipeline.reporting.market_report import build_report

    path, listings = warehouse
    out = tmp_path / "market_report.html"
    build_report(path, StateStore(tmp_path / "state"), out)
    section = out.read_text(encoding="utf-8").split("How listings were identified")[1]
    section = section.split("</table>")[0]
    counts = listings["identified_by"].value_counts()
    for method, n in counts.iter_rows():
        assert f'<td>{method}</td><td class="num">{n:,}</td>' in section
