"""A warehouse rebuild of a date range, after those days were re-parsed, equals a full refresh."""

import hashlib
import shutil
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from arb_pipeline import ingest
from arb_pipeline.ingest import fetch_sandbox_partition, parse_archive
from arb_pipeline.paths import ArbHome
from arb_pipeline_tests.dbt_builds import NO_DATA_TESTS, dbt, dbt_build, differences, rows

DAYS = [date(2026, 11, 10) + timedelta(days=n) for n in range(5)]
WINDOW = DAYS[1:3]  # days before and after it keep their parse
SOURCES = ("sandbox_ebay_api", "sandbox_craigslist")
REBUILD = f'{{rebuild_from: "{WINDOW[0]}", rebuild_to: "{WINDOW[-1]}"}}'
TABLES = {
    "int_listing_snapshots": "snapshot_key",
    "fct_listings": "listing_key",
    "fct_listing_price_changes": "change_key",
    "int_listings_matched": "listing_key",
    "dim_products": "product_id",
    "fct_sold_comps": "listing_key",
    "mart_product_price_stats": "product_id, condition",
}


def changed_parser(parser):
    """The parser after a change: a quarter of listings dropped, cut in price, sold, or relisted."""

    def parse_with_problems(body: bytes, url: str):
        records, problems = parser.parse_with_problems(body, url)
        changed = []
        for record in records:
            bucket = hashlib.sha256(record["listing_id"].encode()).digest()[0] % 4
            if bucket == 1 and record["price"]:
                record = {**record, "price": round(record["price"] * 0.8, 2)}
            elif bucket == 2:
                record = {**record, "status": "sold"}
            elif bucket == 3:
                changed.append({**record, "listing_id": record["listing_id"] + "r"})
            if bucket != 0:
                changed.append(record)
        return changed, problems

    return SimpleNamespace(
        parse_with_problems=parse_with_problems, PAGE_MARKERS=parser.PAGE_MARKERS
    )


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory) -> dict[str, Path]:
    """Warehouses before the re-parse, and after it: plain build, window rebuild, full refresh.
    Only the full refresh runs the data tests; the window rebuild must equal it."""
    home = ArbHome(tmp_path_factory.mktemp("arb_home")).ensure()
    names = ("before", "plain", "rebuilt", "full")
    files = {name: home.root / name / "warehouse.duckdb" for name in names}
    for day in DAYS:
        for source in SOURCES:
            fetch_sandbox_partition(home, source, day)
            parse_archive(home, source, day)
    dbt_build(home, files["before"], *NO_DATA_TESTS)
    real_parser_for = ingest.parser_for
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ingest, "parser_for", lambda name: changed_parser(real_parser_for(name)))
        for day in WINDOW:
            for source in SOURCES:
                parse_archive(home, source, day)
    for name in ("plain", "rebuilt"):
        files[name].parent.mkdir()
        shutil.copy(files["before"], files[name])
    dbt_build(home, files["plain"], *NO_DATA_TESTS)
    dbt_build(home, files["full"], "--full-refresh")
    dbt_build(home, files["rebuilt"], "--vars", REBUILD, *NO_DATA_TESTS)  # last: new vars
    return files


@pytest.mark.parametrize("table", TABLES)
def test_a_window_rebuild_equals_a_full_refresh(warehouses, table) -> None:
    assert rows(warehouses["rebuilt"], f"select count(*) from {table}") == rows(
        warehouses["full"], f"select count(*) from {table}"
    )
    assert differences(warehouses["rebuilt"], warehouses["full"], table) == 0


def test_a_plain_incremental_build_misses_the_reparsed_days(warehouses) -> None:
    assert differences(warehouses["plain"], warehouses["full"], "fct_listings") > 0


def test_the_reparse_changed_history_on_and_after_the_window(warehouses) -> None:
    with duckdb.connect() as db:
        db.execute(f"attach '{warehouses['before']}' as before (read_only)")
        db.execute(f"attach '{warehouses['full']}' as after (read_only)")
        ((gone, new, first_moved, last_moved, seen_less),) = db.execute(
            "select count(*) filter (where a.listing_key is null),"
            " count(*) filter (where b.listing_key is null),"
            " count(*) filter (where a.first_seen_on > b.first_seen_on),"
            " count(*) filter (where a.last_seen_on < b.last_seen_on),"
            " count(*) filter (where a.times_seen < b.times_seen)"
            " from before.fct_listings b full join after.fct_listings a using (listing_key)"
        ).fetchall()
        ((changes_after_window,),) = db.execute(
            "select count(*) from ((from after.fct_listing_price_changes"
            " except all from before.fct_listing_price_changes)"
            " union all (from before.fct_listing_price_changes"
            " except all from after.fct_listing_price_changes))"
            f" where changed_on > date '{WINDOW[-1]}'"
        ).fetchall()
    assert min(gone, new, first_moved, last_moved, seen_less, changes_after_window) > 0


def test_a_window_that_ends_before_it_starts_is_refused(warehouses, tmp_path) -> None:
    home = ArbHome(warehouses["full"].parent.parent)
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouses["full"], copy)
    failed = dbt(home, copy, "--vars", '{rebuild_from: "2026-11-12", rebuild_to: "2026-11-11"}')
    assert not failed.success
    assert "rebuild_from 2026-11-12 is after rebuild_to 2026-11-11" in failed.output
    assert differences(copy, warehouses["full"], "fct_listings") == 0
