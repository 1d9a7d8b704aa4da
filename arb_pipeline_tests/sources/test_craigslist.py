"""Craigslist search page parser, on a real saved page (Chicago cars & trucks by owner, 2018)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from arb_pipeline.sources import craigslist
from arb_pipeline.sources.common import (
    CONDITIONS,
    RECORD_FIELDS,
    BlockedPageError,
    ParseError,
)

URL = "https://chicago.craigslist.org/search/cto"


@pytest.fixture(scope="module")
def body(shared_fixtures: Path) -> bytes:
    return (shared_fixtures / "craigslist" / "search_cars_by_owner_chicago_2018.html").read_bytes()


def _row(pid: str, title: str = "2009 Honda Civic", price: str | None = "$4500") -> str:
    price_html = f'<span class="result-price">{price}</span>' if price else ""
    return (
        f'<li class="result-row" data-pid="{pid}"><p class="result-info">'
        f'<time class="result-date" datetime="2018-04-23 20:00">Apr 23</time>'
        f'<a href="/chi/cto/d/car/{pid}.html" class="result-title hdrlnk">{title}</a>'
        f'<span class="result-meta">{price_html}</span></p></li>'
    )


def _page(*rows: str) -> bytes:
    return f'<html><body><ul class="rows">{"".join(rows)}</ul></body></html>'.encode()


def test_every_row_becomes_a_valid_record(body: bytes) -> None:
    records, problems = craigslist.parse_with_problems(body, URL)
    assert len(records) == 120 and problems == []
    assert len({r["listing_id"] for r in records}) == 120
    for record in records:
        assert tuple(record) == RECORD_FIELDS
        assert record["source"] == "craigslist" and record["title"]
        assert record["status"] == "active" and record["condition"] in CONDITIONS
        assert record["url"].startswith("https://chicago.craigslist.org/")
        assert record["currency"] == "USD" and record["price"] is not None


def test_known_values_of_the_first_row(body: bytes) -> None:
    first = craigslist.parse(body, URL)[0]
    assert first["listing_id"] == "6569794207"
    assert first["title"] == "2011 Porsche Cayenne Turbo"
    assert first["url"] == (
        "https://chicago.craigslist.org/wcl/cto/d/2011-porsche-cayenne-turbo/6569794207.html"
    )
    assert (first["price"], first["currency"], first["location"]) == (39000.0, "USD", "Glen Ellyn")
    assert first["listed_at"] == datetime(2018, 4, 23, 21, 1, tzinfo=UTC)
    assert first["attributes"]["repost_of"] == "6090070707"
    assert first["attributes"]["image_ids"][0] == "1:00F0F_4oWYHEeMwCR"
    assert first["image_url"] == "https://images.craigslist.org/00F0F_4oWYHEeMwCR_300x300.jpg"
    assert "currency_inferred_from" not in first["attributes"]  # "$" was on the page


def test_rows_without_hood_or_pictures(body: bytes) -> None:
    records = craigslist.parse(body, URL)
    assert sum(r["location"] is None for r in records) == 28
    assert sum(r["image_url"] is None for r in records) == 7
    assert sum("repost_of" in r["attributes"] for r in records) == 29
    assert Counter(r["condition"] for r in records) == {"unknown": 120}


def test_next_page(body: bytes) -> None:
    assert craigslist.next_page(body, URL) == "https://chicago.craigslist.org/search/cto?s=120"
    assert craigslist.next_page(_page(_row("1")), URL) is None


def test_no_results_page_is_empty() -> None:
    page = b'<html><body><div class="alert">Nothing found for that search.</div>'
    page += b'<ul class="rows"></ul></body></html>'
    assert craigslist.parse(page, URL) == []


def test_duplicate_rows_are_returned_once() -> None:
    records = craigslist.parse(_page(_row("1"), _row("2"), _row("1")), URL)
    assert [r["listing_id"] for r in records] == ["1", "2"]
    assert records[0]["url"] == "https://chicago.craigslist.org/chi/cto/d/car/1.html"


def test_prices_and_currencies() -> None:
    page = _page(_row("1", price=None), _row("2", price="£300"), _row("3", price="1200"))
    records = {r["listing_id"]: r for r in craigslist.parse(page, URL)}
    assert (records["1"]["price"], records["2"]["price"], records["3"]["price"]) == (
        None,
        300,
        1200,
    )
    assert records["2"]["currency"] == "GBP"
    assert records["3"]["currency"] == "USD"
    assert records["3"]["attributes"]["currency_inferred_from"] == "host"


def test_no_symbol_off_craigslist_org_is_not_guessed() -> None:
    records, problems = craigslist.parse_with_problems(
        _page(_row("1", price="1200")), "https://example.test/search"
    )
    assert records == [] and "no currency symbol" in problems[0]


def test_one_broken_row_does_not_lose_the_others() -> None:
    page = _page(_row("1"), _row("2", title=" "), _row("3"))
    records, problems = craigslist.parse_with_problems(page, URL)
    assert [r["listing_id"] for r in records] == ["1", "3"]
    assert len(problems) == 1 and "2" in problems[0]
    assert len(craigslist.parse(page, URL)) == 2


def test_truncated_page_raises_parse_error_naming_the_url(body: bytes) -> None:
    with pytest.raises(ParseError, match="chicago.craigslist.org") as caught:
        craigslist.parse(body[:5000], URL)
    assert not isinstance(caught.value, BlockedPageError)
    with pytest.raises(ParseError, match="chicago.craigslist.org"):
        craigslist.parse(b"", URL)


def test_page_cut_inside_the_rows_keeps_rows_but_reports_it(body: bytes) -> None:
    cut = body[: body.index(b'data-pid="6564212591"')]
    records, problems = craigslist.parse_with_problems(cut, URL)
    assert [r["listing_id"] for r in records] == ["6569794207", "6569794141"]
    assert any("truncated" in p for p in problems)


@pytest.mark.parametrize(
    "page",
    [
        b"<html><body><h1>Please complete the captcha to continue</h1></body></html>",
        b"<html><body><p>This IP has been automatically blocked.</p></body></html>",
    ],
)
def test_block_pages_are_blocked(page: bytes) -> None:
    with pytest.raises(BlockedPageError):
        craigslist.parse(page, URL)
