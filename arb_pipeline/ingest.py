"""One (source, day) partition: fetch pages into the archive, then parse them into the lake.

The sandbox is crawled whole; a real marketplace is crawled per saved search, each search's
pages archived apart (`arb_pipeline.archive`), so a run for one search replaces only that
search's pages; parsing reads the partition's pages of all.
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

from arb_pipeline.archive import (
    archive_dir,
    incoming_folder,
    partition_pages,
    replace_folder,
    search_archive_dir,
)
from arb_pipeline.lake import (
    PARTITION_FILE,
    earlier_partitions,
    partition_dir,
    records_to_frame,
    write_partition,
)
from arb_pipeline.paths import ArbHome
from arb_pipeline.sandbox.server import SandboxMarketplace
from arb_pipeline.searches import Search
from arb_pipeline.sources.common import ParseError
from arb_pipeline.sources.crawl import CrawlSettings, crawl
from arb_pipeline.sources.marketplaces import MarketplaceAccess
from arb_pipeline.sources.pages import (
    EMPTY,
    PAGE_STATES,
    UNRECOGNIZED,
    one_line,
    read_page,
)
from arb_pipeline.sources.registry import SANDBOX_SOURCES, parser_for

QUARANTINE_SCHEMA = {"url": pl.String(), "reason": pl.String(), "quarantined_at": pl.String()}
PAGE_STATE_SCHEMA = {
    "url": pl.String(),
    "state": pl.String(),
    "records": pl.Int64(),
    "reason": pl.String(),
    "fetched_at": pl.String(),
}


class BlockedFetchError(RuntimeError):
    """The marketplace blocked the crawl (captcha, challenge, login wall, 403/429)."""


@dataclass
class FetchReport:
    """What one partition's fetch archived."""

    source: str
    day: date
    pages: int
    problems: list[str] = field(default_factory=list)
    search: str | None = None


@dataclass
class ParseReport:
    """What parsing one partition's archive produced."""

    source: str
    day: date
    rows: int
    pages: int
    path: Path
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    page_states: dict[str, int] = field(default_factory=dict)
    layout_changes: list[str] = field(default_factory=list)


def fetch_sandbox_partition(
    home: ArbHome,
    source: str,
    day: date,
    seed: int = 7,
    faults: frozenset[str] = frozenset(),
    settings: CrawlSettings | None = None,
) -> FetchReport:
    """Crawl the sandbox marketplace for one source and day into the archive."""
    spec = SANDBOX_SOURCES[source]
    if spec.render_js:
        settings = replace(settings or CrawlSettings(), render_js=True)
    with SandboxMarketplace(day, seed=seed, faults=faults) as marketplace:
        start = marketplace.start_url(spec.sandbox_feed)
        return _fetch_into(archive_dir(home, source, day), source, day, [start], settings, "")


def fetch_search(
    home: ArbHome,
    source: str,
    day: date,
    search: str,
    start_urls: Sequence[str],
    settings: CrawlSettings | None = None,
) -> FetchReport:
    """Crawl one saved search on a marketplace into its subfolder of the partition's archive."""
    final = search_archive_dir(home, source, day, search)
    report = _fetch_into(final, source, day, start_urls, settings, f" search {search!r}")
    return replace(report, search=search)


def fetch_searches(
    home: ArbHome,
    source: str,
    day: date,
    searches: Sequence[Search],
    access: MarketplaceAccess,
    settings: CrawlSettings,
) -> tuple[list[FetchReport], list[str]]:
    """Crawl each search on a real marketplace; one failing search does not stop the others.

    Returns the reports of the searches fetched and one `search: reason` per failed one (its
    previous pages stay archived).
    """
    reports, failures = [], []
    for search in searches:
        try:
            urls = access.start_urls(source, search)
            search_settings = access.crawl_settings(source, settings)
            reports.append(fetch_search(home, source, day, search.name, urls, search_settings))
        except Exception as error:  # reported with the search's name; the others still run
            failures.append(f"{search.name}: {error}")
    return reports, failures


def _fetch_into(
    final: Path,
    source: str,
    day: date,
    start_urls: Sequence[str],
    settings: CrawlSettings | None,
    label: str,
) -> FetchReport:
    """Crawl into a scratch folder beside `final`; replace `final` only when pages came."""
    incoming = incoming_folder(final)
    try:
        result = crawl(source, list(start_urls), incoming, settings)
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise
    where = f"{source} {day}{label}"
    if result.blocked or result.pages == 0:
        shutil.rmtree(incoming, ignore_errors=True)  # the previous archive stays as it was
        if result.blocked:
            raise BlockedFetchError(f"{where}: blocked: " + "; ".join(result.blocked))
        raise RuntimeError(f"{where}: nothing fetched: " + "; ".join(result.problems))
    replace_folder(incoming, final)
    return FetchReport(source, day, result.pages, result.problems)


def searches_to_crawl(
    searches: Sequence[Search], source: str, only: Sequence[str] = ()
) -> list[Search]:
    """The enabled searches that list `source` (only those named in `only`, when given)."""
    crawled = [s for s in searches if s.enabled and source in s.marketplaces]
    if not only:
        return crawled
    names = {s.name for s in crawled}
    missing = [name for name in only if name not in names]
    if missing:
        raise ValueError(
            f"search(es) {', '.join(map(repr, missing))} not enabled or not listing {source!r}"
        )
    return [s for s in crawled if s.name in only]


@contextmanager
def _parse_lock(home: ArbHome, source: str) -> Iterator[None]:
    """One parse of a source at a time, so concurrent searches' runs cannot drop pages."""
    path = home.root / "locks" / f"parse_{source}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def parse_archive(home: ArbHome, source: str, day: date) -> ParseReport:
    """Parse a partition's archived pages into its lake partition; bad pages are quarantined."""
    with _parse_lock(home, source):
        return _parse_archive(home, source, day)


def _parse_archive(home: ArbHome, source: str, day: date) -> ParseReport:
    pages = partition_pages(home, source, day)
    if not pages:
        raise FileNotFoundError(f"{source} {day}: no archived pages; fetch the partition first")
    parser = parser_for(source)
    records, quarantined, states = [], [], []
    for page in pages:
        url = page.url
        try:
            result = read_page(parser, page.body, url, page.status)
        except Exception as error:  # a parser bug quarantines the page, the rest still lands
            quarantined.append((url, f"parser crashed: {error!r}"))
            states.append((url, UNRECOGNIZED, 0, f"parser crashed: {error!r}", page.fetched_at))
            continue
        states.append((url, result.state, len(result.records), result.reason, page.fetched_at))
        if result.reason:
            quarantined.append((url, f"{result.state}: {one_line(result.reason)}"))
        quarantined.extend((url, problem) for problem in result.problems)
        # a re-parse keeps when the page was fetched, not when it was parsed again
        fetched = {"scraped_at": page.fetched_at} if page.fetched_at else {}
        records.extend({**record, "source": source, **fetched} for record in result.records)
    write_quarantine(home, source, day, quarantined)
    write_page_states(home, source, day, states)
    counts = {state: sum(1 for s in states if s[1] == state) for state in PAGE_STATES}
    if not records and counts[EMPTY] + counts["removed"] == 0:
        raise ParseError(
            f"{source} {day}: no archived page could be read ({_counted(counts)}); the lake "
            f"partition was left as it was. First reason: {quarantined[0][1]}"
        )
    layout_changes = [
        f"layout changed: {source}: {url}: {one_line(reason)}"
        for url, state, _, reason, _ in states
        if state == UNRECOGNIZED
    ]
    path = write_partition(home.raw_listings, source, day, records_to_frame(records))
    return ParseReport(
        source, day, len(records), len(pages), path, quarantined, counts, layout_changes
    )


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {state}" for state, n in counts.items() if n)


def write_page_states(
    home: ArbHome,
    source: str,
    day: date,
    states: list[tuple[str, str, int, str | None, datetime | None]],
) -> None:
    """Replace the partition's page-state file: each archived page's state and reason."""
    frame = pl.DataFrame(
        [
            {
                "url": url,
                "state": state,
                "records": count,
                "reason": one_line(reason) or None,
                "fetched_at": fetched.isoformat() if fetched else None,
            }
            for url, state, count, reason, fetched in states
        ],
        schema=PAGE_STATE_SCHEMA,
    )
    write_partition(home.lake / "page_states", source, day, frame)


def write_quarantine(home: ArbHome, source: str, day: date, items: list[tuple[str, str]]) -> None:
    """Replace the partition's quarantine file with the pages/records that failed to parse."""
    now = datetime.now(UTC).isoformat()
    frame = pl.DataFrame(
        [{"url": url, "reason": reason, "quarantined_at": now} for url, reason in items],
        schema=QUARANTINE_SCHEMA,
    )
    write_partition(home.lake / "quarantine", source, day, frame)


def _field_stats(path: Path) -> dict[str, float]:
    frame = pl.read_parquet(path, columns=["title", "price", "condition"])
    rows = max(frame.height, 1)
    return {
        "rows": float(frame.height),
        "title_share": float((frame["title"].str.len_chars().fill_null(0) > 0).sum()) / rows,
        "price_share": float(frame["price"].is_not_null().sum()) / rows,
        "condition_share": float((frame["condition"] != "unknown").sum()) / rows,
    }


def partition_health(home: ArbHome, source: str, day: date, history: int = 7) -> dict:
    """Row count and shares of parsed fields of a partition, beside its trailing medians."""
    current = _field_stats(partition_dir(home.raw_listings, source, day) / PARTITION_FILE)
    earlier = earlier_partitions(home.raw_listings, source, day, history)
    past = [_field_stats(path) for path in earlier]
    trailing = (
        {key: float(pl.Series([p[key] for p in past]).median()) for key in current} if past else {}
    )
    return {"current": current, "trailing_median": trailing, "history_partitions": len(past)}


def health_problems(
    health: dict,
    page_states: dict[str, int] | None = None,
    min_row_ratio: float = 0.5,
    max_drop: float = 0.3,
) -> list[str]:
    """What looks broken against history: too few rows, or a field suddenly unparsed.

    A partition whose pages the marketplace itself said were empty (or removed) is a quiet
    market, not a broken parser.
    """
    current, trailing = health["current"], health["trailing_median"]
    states = page_states or {}
    if current["rows"] == 0:
        quiet = states and not states.get("results") and not states.get(UNRECOGNIZED)
        return [] if quiet else ["no listings parsed"]
    if not trailing:
        return []
    problems = []
    if current["rows"] < min_row_ratio * trailing["rows"]:
        problems.append(
            f"{current['rows']:.0f} rows against a trailing median of {trailing['rows']:.0f}"
        )
    for key in ("title_share", "price_share", "condition_share"):
        if trailing[key] - current[key] > max_drop:
            problems.append(f"{key} fell to {current[key]:.0%} from a trailing {trailing[key]:.0%}")
    return problems


def stopped_sources(
    fetched: dict[str, datetime], now: datetime, max_age: timedelta, forget_after: timedelta
) -> list[str]:
    """Sources fetched within `forget_after` but not within `max_age`: scrapers that stopped.

    A source silent for longer than `forget_after` counts as retired, not stopped.
    """
    return sorted(
        source for source, moment in fetched.items() if max_age < now - moment <= forget_after
    )
