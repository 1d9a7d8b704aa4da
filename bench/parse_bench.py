"""Parser throughput per core, beside each page's limit: what parsing costs against what merely
reading the page costs.

For every real saved page in ../shared/fixtures (and the sandbox marketplace's own pages) it
prints pages/s and records/s of the page's parser, read as the pipeline reads it
(`pages.read_page`, with the file's `file://` URL as `arb-pipeline parse` passes it), beside the
page's limit: for HTML, the selectolax/Lexbor parse of the page plus the parser's card selector;
for JSON, `json.loads` of the body. Rates are per CPU second of this single process
(`time.process_time`), so other work on a shared machine does not count against a parser.

Goals (issue 18): at least half the limit (its HTML tree) on every real HTML page; at least
10,000 records/s on the smaller (under 1 MB) HTML result pages and 30,000 on API JSON (whose
json.loads limit is printed for information).
Run: `.venv/bin/python bench/parse_bench.py [--seconds 2] [--only olx] [--profile olx]`.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import json
import pstats
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from arb_pipeline.sandbox.server import (
    BROWSE_PATH,
    CRAIGSLIST_PATH,
    FINDING_PATH,
    SandboxMarketplace,
)
from arb_pipeline.sources.pages import read_page
from arb_pipeline.sources.registry import parser_for

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures"
SMALL_PAGE = 1_000_000  # bytes: the record-rate goal is for pages under this size
RECORD_GOALS = {"html": 10_000, "json": 30_000}

# Each parser's card selector: with the Lexbor parse, the least any parser of the page must do.
CARD_SELECTORS = {
    "craigslist": "li.cl-static-search-result, li.cl-search-result, li.result-row, p.row",
    "ebay": "li.s-card, li.s-item",
    "gumtree": "div.tileV1, div.tileV2",
    "kleinanzeigen": "article.aditem",
    "olx": '[data-cy="l-card"]',
}
# The real pages: (parser, file under ../shared/fixtures); CSV exports are not pages.
REAL_PAGES = [
    ("ebay_api", "ebay_browse_api/search_iphone_sort_price_2023.json"),
    ("ebay_finding", "ebay_finding_api/find_completed_items_page.json"),
    ("craigslist", "craigslist/search_cars_by_owner_chicago_2018.html"),
    ("craigslist", "craigslist/posting_porsche_cayenne_2018.html"),
    ("craigslist", "craigslist/search_static_manhattan_housing_2026.html"),
    ("gumtree", "gumtree_pl/search_katowice_2020.html"),
    ("gumtree", "gumtree_pl/ad_wroclaw_2020.html"),
    ("vinted", "vinted_api/catalog_items_search.json"),
    ("vinted", "vinted_api/item_detail.json"),
    ("mercari", "mercari_api/search_items_2022.jsonl"),
    ("kleinanzeigen", "kleinanzeigen/search_oneplus_2022.html"),
    ("kleinanzeigen", "kleinanzeigen/ad_reserved_2022.html"),
    ("kleinanzeigen", "kleinanzeigen/search_rentals_berlin_2026.html"),
    ("ebay", "ebay_html/search_rtx3080_scard_2026.html.gz"),
    ("olx", "olx_pl/search_warsaw_2026.html"),
    ("olx", "olx_pl/ad_studio_2026.html"),
]


@dataclass
class Case:
    """One page to time: its parser, a label, its bytes and the URL it is parsed with."""

    parser: str
    label: str
    body: bytes
    url: str
    real: bool

    @property
    def kind(self) -> str:
        return "json" if self.body.lstrip()[:1] in (b"{", b"[") else "html"


def real_cases() -> list[Case]:
    """The real saved pages present in ../shared/fixtures (a missing one is reported)."""
    cases = []
    for parser, relative in REAL_PAGES:
        path = FIXTURES / relative
        if not path.exists():
            print(f"{parser:<14} {relative:<56} missing fixture")
            continue
        body = path.read_bytes()
        if path.suffix == ".gz":
            body = gzip.decompress(body)
        cases.append(Case(parser, relative, body, path.resolve().as_uri(), real=True))
    return cases


def sandbox_cases() -> list[Case]:
    """The first page of each sandbox feed a parser reads without a browser."""
    feeds = [
        ("ebay_api", BROWSE_PATH, {"limit": "50", "offset": "0"}),
        ("ebay_finding", FINDING_PATH, {}),
        ("craigslist", CRAIGSLIST_PATH, {"s": "0"}),
    ]
    with SandboxMarketplace(date(2026, 2, 7)) as market:
        return [
            Case(
                parser,
                f"sandbox {path}",
                market.respond(path, query)[2],
                market.base_url + path,
                False,
            )
            for parser, path, query in feeds
        ]


def rate(work: Callable[[], object], seconds: float) -> float:
    """Calls of `work` per CPU second of this process."""
    work()  # warm caches (dateparser's first call loads its languages)
    calls, start = 0, time.process_time()
    while (elapsed := time.process_time() - start) < seconds:
        work()
        calls += 1
    return calls / elapsed


def limit_of(case: Case) -> Callable[[], object]:
    """What merely reading the page costs: Lexbor parse and card selector, or json.loads."""
    if case.kind == "json":
        if case.label.endswith(".jsonl"):
            return lambda: [json.loads(line) for line in case.body.splitlines() if line.strip()]
        return lambda: json.loads(case.body)
    selector = CARD_SELECTORS.get(case.parser, "a[href]")
    return lambda: LexborHTMLParser(case.body).css(selector)


def verdict(case: Case, pages_s: float, limit_s: float, records: int) -> str:
    """Which goals the page meets: half its limit (real HTML pages), the record rate."""
    notes = []
    if case.real and case.kind == "html":
        notes.append("ok" if pages_s >= limit_s / 2 else "MISS half-limit")
    small_results = records > 1 and (case.kind == "json" or len(case.body) < SMALL_PAGE)
    if small_results:
        goal = RECORD_GOALS[case.kind]
        notes.append("ok" if pages_s * records >= goal else f"MISS <{goal} rec/s")
    return ", ".join(notes) or "-"


def profile(case: Case, seconds: float) -> None:
    """Where a page's parse time goes: the top functions by their own time."""
    parser = parser_for(case.parser)
    profiler = cProfile.Profile()
    start = time.process_time()
    profiler.enable()
    while time.process_time() - start < seconds:
        read_page(parser, case.body, case.url)
    profiler.disable()
    print(f"\nprofile of {case.parser} on {case.label}:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


def main() -> None:
    """Print one line per page: its size, state, records, limit, speed, goals."""
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--seconds", type=float, default=2.0, help="CPU seconds per timing")
    options.add_argument("--only", help="only this parser's pages")
    options.add_argument("--profile", help="also profile this parser's pages")
    args = options.parse_args()
    cases = real_cases() + sandbox_cases()
    if args.only:
        cases = [case for case in cases if case.parser == args.only]
    print(
        f"{'parser':<14} {'page':<56} {'KB':>6} {'state':<8} {'rec':>4} {'limit/s':>8} "
        f"{'pages/s':>8} {'%limit':>6} {'records/s':>9}  goals"
    )
    missed = []
    for case in cases:
        parser = parser_for(case.parser)
        result = read_page(parser, case.body, case.url)
        records = len(result.records)
        limit_s = rate(limit_of(case), args.seconds)
        pages_s = rate(lambda: read_page(parser, case.body, case.url), args.seconds)  # noqa: B023
        goals = verdict(case, pages_s, limit_s, records)
        if "MISS" in goals:
            missed.append(f"{case.parser} {case.label}")
        print(
            f"{case.parser:<14} {case.label[-56:]:<56} {len(case.body) / 1000:>6.0f} "
            f"{result.state:<8} {records:>4} {limit_s:>8.1f} {pages_s:>8.1f} "
            f"{100 * pages_s / limit_s:>5.0f}% {pages_s * records:>9.0f}  {goals}"
        )
    print(f"{len(missed)} of {len(cases)} pages miss a goal" + (":" if missed else ""))
    for label in missed:
        print(f"  {label}")
    if args.profile:
        for case in cases:
            if case.parser == args.profile:
                profile(case, args.seconds)


if __name__ == "__main__":
    main()
