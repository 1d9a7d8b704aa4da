"""The raw-page archive: what is written is read back, per partition, in fetch order."""

from datetime import date
from pathlib import Path

from arb_pipeline.archive import (
    INDEX_FILE,
    archive_dir,
    archive_page,
    archived_pages,
    incoming_folder,
    last_fetches,
    partition_pages,
    replace_folder,
    search_archive_dir,
)
from arb_pipeline.paths import ArbHome

DAY = date(2026, 11, 23)


def test_a_page_is_read_back_as_fetched(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    archive_page(folder, "https://example.com/s?page=1", 200, b"<html>one</html>")
    archive_page(folder, "https://example.com/s?page=2", 429, b"slow down")
    pages = archived_pages(folder)
    assert [(p.url, p.status, p.body) for p in pages] == [
        ("https://example.com/s?page=1", 200, b"<html>one</html>"),
        ("https://example.com/s?page=2", 429, b"slow down"),
    ]
    assert all(page.fetched_at is not None for page in pages)
    assert len(list(folder.glob("*.gz"))) == 2


def test_a_partition_reads_its_own_pages_then_each_finished_search(tmp_path: Path) -> None:
    home = ArbHome(tmp_path)
    archive_page(archive_dir(home, "craigslist", DAY), "https://a/own", 200, b"own")
    archive_page(search_archive_dir(home, "craigslist", DAY, "phones"), "https://a/p", 200, b"p")
    archive_page(search_archive_dir(home, "craigslist", DAY, "bikes"), "https://a/b", 200, b"b")
    crawling = incoming_folder(search_archive_dir(home, "craigslist", DAY, "phones"))
    archive_page(crawling, "https://a/half-done", 200, b"not yet")
    urls = [page.url for page in partition_pages(home, "craigslist", DAY)]
    assert urls == ["https://a/own", "https://a/b", "https://a/p"]
    assert partition_pages(home, "craigslist", date(2026, 11, 24)) == []


def test_a_finished_crawl_replaces_the_search_pages_whole(tmp_path: Path) -> None:
    home = ArbHome(tmp_path)
    final = search_archive_dir(home, "gumtree", DAY, "bikes")
    archive_page(final, "https://g/old", 200, b"old")
    incoming = incoming_folder(final)
    archive_page(incoming, "https://g/new", 200, b"new")
    replace_folder(incoming, final)
    assert [page.url for page in archived_pages(final)] == ["https://g/new"]
    assert [child.name for child in final.parent.iterdir()] == ["search=bikes"]
    assert set(last_fetches(home)) == {"gumtree"}
    assert (final / INDEX_FILE).exists()
