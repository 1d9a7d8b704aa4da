"""Parser throughput: pages/s and records/s per parser, one core.

On the real fixture pages, and (marked "test layout") on 60-card pages built with the parser
tests' hand-written eBay, Kleinanzeigen and Facebook markup, as no real page of those is saved.
Rates are per CPU second of this process (`time.process_time`), so other work on the machine
does not count against a parser. Goals (issue 4): at least 10,000 records/s from HTML result
pages and 30,000 records/s from API JSON pages.
Run: `.venv/bin/python bench/parse_bench.py [--seconds 2]`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures"
TEST_LAYOUT_CARDS = 60

# (parser module, fixture file, page kind)
CASES = [
    ("ebay_api", "ebay_browse_api/search_iphone_sort_price_2023.json", "json"),
    ("ebay_finding", "ebay_finding_api/find_completed_items_page.json", "json"),
    ("craigslist", "craigslist/search_cars_by_owner_chicago_2018.html", "html"),
    ("craigslist", "craigslist/posting_porsche_cayenne_2018.html", "html"),
    ("gumtree", "gumtree_pl/search_katowice_2020.html", "html"),
    ("gumtree", "gumtree_pl/ad_wroclaw_2020.html", "html"),
    ("vinted", "vinted_api/catalog_items_search.json", "json"),
    ("vinted", "vinted_api/item_detail.json", "json"),
    ("mercari", "mercari_api/search_items_2022.jsonl", "json"),
]
GOALS = {"html": 10_000, "json": 30_000}


def test_layout_pages() -> list[tuple[str, str, bytes, str]]:
    """(parser, name, body, url) of pages built with the parser tests' page builders."""
    sys.path.insert(0, str(ROOT))
    from arb_pipeline_tests.sources import test_ebay, test_facebook, test_kleinanzeigen

    ids = range(TEST_LAYOUT_CARDS)
    legacy = [test_ebay._legacy(str(266283479397 + i)) for i in ids]
    cards = [
        test_ebay._card(str(366283479397 + i), "Apple iPhone 12 64GB", "$199.99", ["Pre-Owned"])
        for i in ids
    ]
    ads = [test_kleinanzeigen._ad(str(2900000000 + i)) for i in ids]
    items = [test_facebook._card(str(10**9 + i), "$120", "iPhone 12", "Brooklyn, NY") for i in ids]
    facebook_url = "https://www.facebook.com/marketplace/nyc/search?query=iphone"
    return [
        ("ebay", "test layout: li.s-item cards", test_ebay._page(*legacy), test_ebay.URL),
        ("ebay", "test layout: li.s-card cards", test_ebay._page(*cards), test_ebay.URL),
        (
            "kleinanzeigen",
            "test layout: article.aditem ads",
            test_kleinanzeigen._page(*ads),
            test_kleinanzeigen.URL,
        ),
        ("facebook", "test layout: rendered item links", test_facebook._page(*items), facebook_url),
    ]


def bench(parser_name: str, body: bytes, url: str, seconds: float) -> tuple[float, float, int]:
    """(pages/s, records/s, records per page) for one parser on one page, per CPU second."""
    parser = importlib.import_module(f"arb_pipeline.sources.{parser_name}")
    records = len(parser.parse(body, url))
    pages, start = 0, time.process_time()
    while (elapsed := time.process_time() - start) < seconds:
        parser.parse(body, url)
        pages += 1
    return pages / elapsed, pages * records / elapsed, records


def report(parser_name: str, label: str, kind: str, figures: tuple[float, float, int]) -> None:
    """Print one case's line and whether it meets its goal."""
    pages_s, records_s, per_page = figures
    goal = GOALS[kind] if per_page > 1 else None
    verdict = "-" if goal is None else ("ok" if records_s >= goal else f"MISS (<{goal})")
    print(
        f"{parser_name:<14} {label:<48} {per_page:>8} {pages_s:>9.1f} {records_s:>10.0f} {verdict}"
    )


def main() -> None:
    """Print one line per case and whether it meets its goal."""
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--seconds", type=float, default=2.0)
    seconds = options.parse_args().seconds
    print(f"{'parser':<14} {'fixture':<48} {'rec/page':>8} {'pages/s':>9} {'records/s':>10} goal")
    for parser_name, relative, kind in CASES:
        path = FIXTURES / relative
        if not path.exists():
            print(f"{parser_name:<14} {relative:<48} missing fixture")
            continue
        body, url = path.read_bytes(), f"https://example.invalid/{path.name}"
        report(parser_name, relative, kind, bench(parser_name, body, url, seconds))
    for parser_name, label, body, url in test_layout_pages():
        report(parser_name, label, "html", bench(parser_name, body, url, seconds))


if __name__ == "__main__":
    main()
