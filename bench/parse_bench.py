"""Parser throughput on the real fixture pages: pages/s and records/s per parser, one core.

Goals (issue 4): at least 10,000 records/s from HTML result pages and 30,000 records/s from
API JSON pages. Run: `.venv/bin/python bench/parse_bench.py [--seconds 2]`.
"""

from __future__ import annotations

import argparse
import importlib
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"

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


def bench(parser_name: str, path: Path, seconds: float) -> tuple[float, float, int]:
    """(pages/s, records/s, records per page) for one parser on one page."""
    parser = importlib.import_module(f"arb_pipeline.sources.{parser_name}")
    body, url = path.read_bytes(), f"https://example.invalid/{path.name}"
    records = len(parser.parse(body, url))
    pages, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        parser.parse(body, url)
        pages += 1
    return pages / elapsed, pages * records / elapsed, records


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
        try:
            pages_s, records_s, per_page = bench(parser_name, path, seconds)
        except ModuleNotFoundError:
            print(f"{parser_name:<14} {relative:<48} parser not available")
            continue
        goal = GOALS[kind] if per_page > 1 else None
        verdict = "-" if goal is None else ("ok" if records_s >= goal else f"MISS (<{goal})")
        print(
            f"{parser_name:<14} {relative:<48} {per_page:>8} {pages_s:>9.1f} "
            f"{records_s:>10.0f} {verdict}"
        )


if __name__ == "__main__":
    main()
