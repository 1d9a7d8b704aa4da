"""One partition: real HTTP crawls of the sandbox (whole or per search), parse, health."""

from datetime import date, timedelta

import polars as pl
import pytest

from arb_pipeline.archive import archive_dir, archived_pages, prune_archive, search_archive_dir
from arb_pipeline.ingest import (
    BlockedFetchError,
    fetch_sandbox_partition,
    fetch_searches,
    health_problems,
    parse_archive,
    partition_health,
    searches_to_crawl,
)
from arb_pipeline.lake import partition_dir, records_to_frame, write_partition
from arb_pipeline.paths import ArbHome
from arb_pipeline.sandbox.catalogue import generate_market
from arb_pipeline.sandbox.server import CRAIGSLIST_PAGE_SIZE, SandboxMarketplace
from arb_pipeline.searches import Search
from arb_pipeline.sources.common import make_record
from arb_pipeline.sources.crawl import CrawlSettings
from arb_pipeline.sources.marketplaces import MarketplaceAccess

DAY = date(2026, 11, 20)
SOURCE = "sandbox_craigslist"


@pytest.fixture
def home(arb_home) -> ArbHome:
    return ArbHome(arb_home).ensure()


def test_fetch_archives_every_page_and_parse_writes_one_partition_file(home) -> None:
    expected = len(generate_market(7, DAY).craigslist_active)
    fetched = fetch_sandbox_partition(home, SOURCE, DAY)
    assert fetched.problems == []
    assert fetched.pages == -(-expected // CRAIGSLIST_PAGE_SIZE)
    assert len(list(archive_dir(home, SOURCE, DAY).glob("*.gz"))) == fetched.pages

    parsed = parse_archive(home, SOURCE, DAY)
    assert parsed.rows == expected and parsed.quarantined == []
    files = list(partition_dir(home.raw_listings, SOURCE, DAY).iterdir())
    assert [f.name for f in files] == ["listings.parquet"]
    assert pl.read_parquet(files[0]).height == expected


def test_reparse_replaces_the_partition_without_fetching(home) -> None:
    fetch_sandbox_partition(home, SOURCE, DAY)
    first = parse_archive(home, SOURCE, DAY)
    scraped = pl.read_parquet(first.path)["scraped_at"]
    again = parse_archive(home, SOURCE, DAY)
    assert again.rows == first.rows
    frame = pl.read_parquet(again.path)
    assert frame.height == first.rows
    # records keep when their page was fetched, so a re-parse does not move listing history
    assert frame["scraped_at"].to_list() == scraped.to_list()
    fetched = {page.fetched_at for page in archived_pages(archive_dir(home, SOURCE, DAY))}
    assert set(frame["scraped_at"]) <= fetched and None not in fetched


def test_malformed_page_is_quarantined_and_good_listings_are_kept(home) -> None:
    fetch_sandbox_partition(home, SOURCE, DAY, faults=frozenset({"craigslist_malformed"}))
    report = parse_archive(home, SOURCE, DAY)
    assert report.rows == CRAIGSLIST_PAGE_SIZE
    ((url, reason),) = report.quarantined
    assert "s=25" in url and reason.startswith("unrecognized: layout changed")
    (change,) = report.layout_changes
    assert change.startswith(f"layout changed: {SOURCE}: {url}: ")
    assert report.page_states["results"] == 1 and report.page_states["unrecognized"] == 1
    quarantine = pl.read_parquet(
        partition_dir(home.lake / "quarantine", SOURCE, DAY).iterdir().__next__()
    )
    assert quarantine["url"].to_list() == [url]
    states = pl.read_parquet(
        partition_dir(home.lake / "page_states", SOURCE, DAY).iterdir().__next__()
    )
    assert states.sort("url")["state"].to_list() == ["results", "unrecognized"]


def test_blocked_fetch_fails_and_keeps_the_previous_archive(home) -> None:
    fetch_sandbox_partition(home, SOURCE, DAY)
    before = sorted(p.name for p in archive_dir(home, SOURCE, DAY).iterdir())
    with pytest.raises(BlockedFetchError, match="captcha"):
        fetch_sandbox_partition(home, SOURCE, DAY, faults=frozenset({"craigslist_blocked"}))
    assert sorted(p.name for p in archive_dir(home, SOURCE, DAY).iterdir()) == before
    assert parse_archive(home, SOURCE, DAY).rows > 0


def _write_listings(home: ArbHome, day: date, rows: int, priced: bool = True) -> None:
    records = [
        make_record(
            source=SOURCE,
            listing_id=str(n),
            url=f"http://127.0.0.1/{n}",
            title=f"Item {n}",
            price=10.0 if priced else None,
            currency="USD",
        )
        for n in range(rows)
    ]
    write_partition(home.raw_listings, SOURCE, day, records_to_frame(records))


def test_parser_health_flags_fewer_rows_or_lost_prices_against_history(home) -> None:
    for offset in (3, 2, 1):
        _write_listings(home, DAY - timedelta(days=offset), rows=40)
    _write_listings(home, DAY, rows=38)
    health = partition_health(home, SOURCE, DAY)
    assert health["history_partitions"] == 3
    assert health_problems(health) == []

    _write_listings(home, DAY, rows=12)
    (problem,) = health_problems(partition_health(home, SOURCE, DAY))
    assert problem == "12 rows against a trailing median of 40"

    _write_listings(home, DAY, rows=40, priced=False)
    (problem,) = health_problems(partition_health(home, SOURCE, DAY))
    assert problem.startswith("price_share fell to 0%")


def test_first_partition_is_healthy_unless_empty(home) -> None:
    _write_listings(home, DAY, rows=5)
    assert health_problems(partition_health(home, SOURCE, DAY)) == []
    _write_listings(home, DAY, rows=0)
    assert health_problems(partition_health(home, SOURCE, DAY)) == ["no listings parsed"]


def test_prune_archive_keeps_the_retention_window(home) -> None:
    for offset in (0, 5, 40):
        folder = archive_dir(home, SOURCE, DAY - timedelta(days=offset))
        folder.mkdir(parents=True)
        (folder / "pages.jsonl").write_text("")
    removed = prune_archive(home, keep_days=30, today=DAY)
    assert [p.name for p in removed] == [f"date={DAY - timedelta(days=40)}"]
    assert sorted(p.name for p in (home.archive / f"source={SOURCE}").iterdir()) == [
        f"date={DAY - timedelta(days=5)}",
        f"date={DAY}",
    ]


def _search(name: str, marketplaces: list[str], enabled: bool = True) -> Search:
    return Search(
        name=name,
        marketplaces=marketplaces,
        query=name,
        enabled=enabled,
        recipients=["me@example.com"],
    )


def _files(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_each_search_is_archived_apart_and_parsing_reads_them_all(home) -> None:
    expected = len(generate_market(7, DAY).craigslist_active)
    pages = -(-expected // CRAIGSLIST_PAGE_SIZE)
    phones, laptops = _search("phones", ["craigslist"]), _search("laptops", ["craigslist"])
    with SandboxMarketplace(DAY) as sandbox:
        access = MarketplaceAccess(base_urls={"craigslist": sandbox.base_url})
        reports, failures = fetch_searches(
            home, "craigslist", DAY, [phones], access, CrawlSettings()
        )
        assert failures == [] and [(r.search, r.pages) for r in reports] == [("phones", pages)]
        phones_dir = search_archive_dir(home, "craigslist", DAY, "phones")
        phones_files = _files(phones_dir)
        assert "query=phones" in (phones_dir / "pages.jsonl").read_text()

        fetch_searches(home, "craigslist", DAY, [laptops], access, CrawlSettings())
    assert _files(phones_dir) == phones_files  # the second search's run left these alone
    assert sorted(p.name for p in archive_dir(home, "craigslist", DAY).iterdir()) == [
        "search=laptops",
        "search=phones",
    ]
    parsed = parse_archive(home, "craigslist", DAY)
    assert (parsed.pages, parsed.rows, parsed.quarantined) == (2 * pages, 2 * expected, [])


def test_a_blocked_search_keeps_its_previous_pages_and_names_itself(home) -> None:
    phones = _search("phones", ["craigslist"])
    with SandboxMarketplace(DAY) as sandbox:
        access = MarketplaceAccess(base_urls={"craigslist": sandbox.base_url})
        fetch_searches(home, "craigslist", DAY, [phones], access, CrawlSettings())
    before = _files(search_archive_dir(home, "craigslist", DAY, "phones"))
    with SandboxMarketplace(DAY, faults={"craigslist_blocked"}) as sandbox:
        access = MarketplaceAccess(base_urls={"craigslist": sandbox.base_url})
        reports, (failure,) = fetch_searches(
            home, "craigslist", DAY, [phones], access, CrawlSettings()
        )
    assert reports == [] and failure.startswith("phones: craigslist 2026-11-20 search 'phones'")
    assert "captcha" in failure
    assert _files(search_archive_dir(home, "craigslist", DAY, "phones")) == before
    assert sorted(p.name for p in archive_dir(home, "craigslist", DAY).iterdir()) == [
        "search=phones"
    ]


def test_searches_to_crawl_keeps_enabled_searches_of_the_source() -> None:
    searches = [
        _search("phones", ["craigslist", "ebay"]),
        _search("laptops", ["ebay"]),
        _search("paused", ["craigslist"], enabled=False),
    ]
    assert [s.name for s in searches_to_crawl(searches, "craigslist")] == ["phones"]
    assert [s.name for s in searches_to_crawl(searches, "ebay", ["laptops"])] == ["laptops"]
    with pytest.raises(ValueError, match="'paused' not enabled or not listing 'craigslist'"):
        searches_to_crawl(searches, "craigslist", ["paused"])
