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
from arb_pipeline.sources.pages import (
    BLOCKED,
    EMPTY,
    REMOVED,
    RESULTS,
    UNRECOGNIZED,
    PageResult,
    read_page,
)
from arb_pipeline_tests.sources.expected_outputs import (
    check_expected,
    check_expected_with_and_without_url,
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


# Posting pages (real saved posting, 2018) and removed postings.

POSTING_URL = "https://chicago.craigslist.org/wcl/cto/d/2011-porsche-cayenne-turbo/6569794207.html"


@pytest.fixture(scope="module")
def posting(shared_fixtures: Path) -> bytes:
    return (shared_fixtures / "craigslist" / "posting_porsche_cayenne_2018.html").read_bytes()


def test_posting_page_is_one_record(posting: bytes) -> None:
    records, problems = craigslist.parse_with_problems(posting, POSTING_URL + "?lang=en")
    assert problems == [] and len(records) == 1
    record = records[0]
    assert tuple(record) == RECORD_FIELDS
    assert (record["listing_id"], record["url"]) == ("6569794207", POSTING_URL)  # canonical link
    assert record["title"] == "2011 Porsche Cayenne Turbo" and record["status"] == "active"
    assert (record["price"], record["currency"], record["location"]) == (
        39000.0,
        "USD",
        "Glen Ellyn",
    )
    assert (record["condition"], record["condition_raw"]) == ("like_new", "excellent")
    assert record["category_raw"] == "cars & trucks - by owner"
    assert record["listed_at"] == datetime(2018, 4, 24, 1, 57, 58, tzinfo=UTC)  # 20:57:58 -0500
    assert record["image_url"] == "https://images.craigslist.org/00F0F_4oWYHEeMwCR_600x450.jpg"
    assert craigslist.next_page(posting, POSTING_URL) is None


def test_posting_attributes(posting: bytes) -> None:
    attributes = craigslist.parse(posting, POSTING_URL)[0]["attributes"]
    assert (attributes["year"], attributes["make_model"]) == (2011, "porsche cayenne turbo")
    assert (attributes["odometer"], attributes["vin"]) == (65000, "WP1AC2A25BLA81326")
    assert (attributes["paint_color"], attributes["title_status"]) == ("blue", "clean")
    assert (attributes["repost_of"], attributes["image_count"]) == ("6090070707", 9)
    assert "condition" not in attributes  # it is the record's condition_raw
    assert attributes["body"].startswith("Proud PCA member selling his 2011 Porsche Cayenne")
    assert attributes["body"].endswith("It is available if you see this posting up.")
    assert "QR Code" not in attributes["body"] and "  " not in attributes["body"]


def _posting_page(notice: str = "", title: str = "2015 Honda Civic EX", pid: str = "") -> bytes:
    title_html = (
        f'<h2 class="postingtitle"><span class="postingtitletext"><span id="titletextonly">{title}'
        '</span> - <span class="price">$8,500</span><small> (Chicago)</small></span></h2>'
        if title
        else ""
    )
    info = (
        f'<div class="postinginfos"><p class="postinginfo">post id: {pid}</p></div>' if pid else ""
    )
    return (
        '<!DOCTYPE html><html class="no-js"><head><title>craigslist</title></head>'
        f'<body class="posting"><section class="page-container"><section class="body">'
        f"{title_html}"
        f'<div class="mapAndAttrs"><p class="attrgroup"><span><b>2015 honda civic ex</b></span>'
        f'</p><p class="attrgroup"><span>condition: <b>good</b></span><br>'
        f"<span>odometer: <b>84,000</b></span><br></p></div>"
        f'<div class="removed"><h2>{notice}</h2></div>{info}'
        "</section></section></body></html>"
    ).encode()


def test_posting_with_thousands_separator_and_no_extras() -> None:
    url = "https://chicago.craigslist.org/chc/cto/d/chicago-2015-honda-civic-ex/7712345678.html"
    record = craigslist.parse(_posting_page(), url)[0]
    assert (record["listing_id"], record["price"], record["condition"]) == (
        "7712345678",
        8500,
        "good",
    )
    assert record["attributes"] == {"year": 2015, "make_model": "honda civic ex", "odometer": 84000}
    assert record["image_url"] is None and record["listed_at"] is None


@pytest.mark.parametrize(
    "notice",
    [
        "This posting has expired.",
        "This posting has been deleted by its author.",
        "This posting has been flagged for removal.",
    ],
)
def test_removed_posting_with_id_and_title_is_a_removed_record(notice: str) -> None:
    url = "https://chicago.craigslist.org/chc/cto/d/chicago-2015-honda-civic-ex/7712345678.html"
    records, problems = craigslist.parse_with_problems(_posting_page(notice), url)
    assert problems == [] and len(records) == 1
    assert (records[0]["status"], records[0]["listing_id"]) == ("removed", "7712345678")
    assert records[0]["title"] == "2015 Honda Civic EX" and records[0]["price"] == 8500
    by_text_id = craigslist.parse(_posting_page(notice, pid="7712345679"), URL)  # id from the page
    assert [r["listing_id"] for r in by_text_id] == ["7712345679"]


def test_removed_posting_without_id_or_title_is_empty_not_an_error() -> None:
    url = "https://chicago.craigslist.org/chc/cto/d/chicago-2015-honda-civic-ex/7712345678.html"
    assert craigslist.parse_with_problems(
        _posting_page("This posting has been flagged for removal.", title=""), url
    ) == ([], [])
    assert craigslist.parse(_posting_page("This posting has expired."), URL) == []  # no id
    bare = b"<html><body><h2>This posting has been deleted by its author.</h2></body></html>"
    assert craigslist.parse(bare, url) == []
    assert craigslist.next_page(bare, url) is None


# The current static search layout (ol.cl-static-search-results).


def _static(pid: str, title: str = "2015 Honda Civic EX", price: str = "$8,500") -> str:
    url = f"https://chicago.craigslist.org/chc/cto/d/chicago-2015-honda-civic-ex/{pid}.html"
    price_html = f'<div class="price">{price}</div>' if price else ""
    return (
        f'<li class="cl-static-search-result" title="{title}"><a href="{url}">'
        f'<div class="title">{title}</div><div class="details">{price_html}'
        '<div class="location">\n        Chicago\n    </div></div></a></li>'
    )


def _static_page(*rows: str) -> bytes:
    return (
        "<!DOCTYPE html><html><head><title>chicago cars &amp; trucks - by owner - craigslist"
        '</title></head><body><div class="cl-content"><main><div class="cl-search-results">'
        f'<ol class="cl-static-search-results">{"".join(rows)}</ol></div></main></div>'
        "</body></html>"
    ).encode()


def test_static_search_layout() -> None:
    page = _static_page(
        _static("7712345678"),
        _static("7712345679", title="2009 Toyota Prius", price=""),
        _static("7712345678"),
        _static("7712345680", title=" "),
        '<li class="cl-static-search-result"><div class="title">no link</div></li>',
    )
    records, problems = craigslist.parse_with_problems(page, URL)
    assert [r["listing_id"] for r in records] == ["7712345678", "7712345679"]
    assert len(problems) == 2 and "7712345680" in problems[0] and "no posting link" in problems[1]
    first = records[0]
    assert tuple(first) == RECORD_FIELDS
    assert first["url"].endswith("/chicago-2015-honda-civic-ex/7712345678.html")
    assert (first["title"], first["price"], first["currency"]) == (
        "2015 Honda Civic EX",
        8500,
        "USD",
    )
    assert (first["location"], first["status"]) == ("Chicago", "active")
    assert records[1]["price"] is None
    assert craigslist.next_page(page, URL) is None
    assert craigslist.parse(_static_page(), URL) == []


# Reviewed expected outputs of the real pages, parsed as the CLI does without --url (the site
# read from the page) and with the page's real URL: the same records either way.

STATIC = "craigslist/search_static_manhattan_housing_2026.html"
STATIC_URL = "https://www.craigslist.org/search/subarea/mnh?cat=apa"  # its canonical link
REAL_PAGES = [
    (STATIC, STATIC_URL),
    ("craigslist/search_cars_by_owner_chicago_2018.html", URL),
    ("craigslist/posting_porsche_cayenne_2018.html", POSTING_URL),
]


@pytest.mark.parametrize(("fixture", "url"), REAL_PAGES)
def test_real_pages_match_their_reviewed_output(
    shared_fixtures: Path, fixture: str, url: str
) -> None:
    bare = check_expected_with_and_without_url(shared_fixtures, "craigslist", fixture, url)
    assert bare.state == RESULTS and bare.problems == []


def test_static_2026_layout_real_page(shared_fixtures: Path) -> None:
    page = check_expected(shared_fixtures, "craigslist", STATIC)
    records = page.records
    assert len(records) == 153 == len({r["listing_id"] for r in records})
    assert all(r["url"].startswith("https://www.craigslist.org/view/d/") for r in records)
    assert all(r["url"].endswith("/" + r["listing_id"]) for r in records)  # the link's token
    assert {r["currency"] for r in records} == {"USD"}
    assert all(r["price"] and r["location"] and r["title"] for r in records)
    first = records[0]
    assert (first["listing_id"], first["title"], first["price"], first["location"]) == (
        "mfYChGx8GdfQTDbasSzkQq",
        "REAL __B_E_A_U_T_Y___.SEE 5:15PM_____3RD ST___2nd Ave_",
        3499.0,
        "East Village",
    )
    # the same title posted again at another price is another listing
    cozy = [r for r in records if r["title"] == "!!COZY 1 BEDROOM!! !!WALK IN CLOSET!!"]
    assert len(cozy) == 7 == len({r["listing_id"] for r in cozy})
    fidi = [r["price"] for r in records if r["title"].startswith("Top-Floor FiDi 1BR")]
    assert len(fidi) == 2


# Pre-2014 and other layouts without a real page: built from what those pages were.


def _old_row(pid: str, title: str, price: str = "&#x0024;3200", place: str = "SOMA") -> str:
    """A `p.row` of the 2012-2014 search pages."""
    return (
        f'<p class="row" data-latitude="37.77" data-longitude="-122.41" data-pid="{pid}">'
        f'<a href="/sfc/apa/{pid}.html" class="i" data-id="0:00Y0Y_8n3xyzAbc"></a>'
        f'<span class="star"></span><span class="pl"><span class="date">Nov  8</span> '
        f'<a href="/sfc/apa/{pid}.html">{title}</a></span> <span class="l2">'
        f'<span class="price">{price}</span> / 2br - <span class="pnr"><small> ({place})</small>'
        f' <span class="px"><span class="p"> pic map</span></span></span></span></p>'
    )


def _old_page(*rows: str, head: str = "") -> bytes:
    return (
        f"<html><head><title>SF bay area apts/housing for rent - craigslist</title>{head}</head>"
        f'<body><blockquote id="toc_rows"><div class="content">{"".join(rows)}</div>'
        "</blockquote></body></html>"
    ).encode()


def test_pre_2014_p_row_layout() -> None:
    page = _old_page(
        _old_row("4190474929", "Sunny 2br near Caltrain"),
        _old_row("4190474930", "Loft", price="", place="mission district"),
        _old_row("4190474929", "Sunny 2br near Caltrain"),
    )
    records, problems = craigslist.parse_with_problems(page, "https://sfbay.craigslist.org/apa/")
    assert problems == [] and [r["listing_id"] for r in records] == ["4190474929", "4190474930"]
    first = records[0]
    assert first["url"] == "https://sfbay.craigslist.org/sfc/apa/4190474929.html"
    assert (first["title"], first["price"], first["currency"]) == (
        "Sunny 2br near Caltrain",
        3200.0,
        "USD",
    )
    assert first["location"] == "SOMA"
    assert first["image_url"] == "https://images.craigslist.org/00Y0Y_8n3xyzAbc_300x300.jpg"
    assert records[1]["price"] is None and records[1]["location"] == "mission district"


def test_2009_rows_without_classes_are_found_by_their_links() -> None:
    rows = "".join(
        f'<p>&nbsp;Nov 10&nbsp;-&nbsp;<a href="http://sfbay.craigslist.org/sfc/cto/{pid}.html">'
        f'{title} -</a>&nbsp;{price}<font size="-1"> ({place})</font></p>'
        for pid, title, price, place in (
            ("1467654321", "2003 Honda Civic EX", "$4500", "soma / south beach"),
            ("1467654322", "Vespa scooter", "", "berkeley"),
        )
    )
    page = f"<html><body><h4>Wed Nov 10</h4><blockquote>{rows}</blockquote></body></html>"
    records, problems = craigslist.parse_with_problems(page.encode(), "file:///saved/cto.html")
    assert problems == []
    assert [(r["listing_id"], r["title"], r["price"], r["location"]) for r in records] == [
        ("1467654321", "2003 Honda Civic EX", 4500.0, "soma / south beach"),
        ("1467654322", "Vespa scooter", None, "berkeley"),
    ]
    assert records[0]["url"] == "http://sfbay.craigslist.org/sfc/cto/1467654321.html"


def test_app_layout_cards_with_data_pid() -> None:
    card = (
        '<li data-pid="7712345678" class="cl-search-result cl-search-view-mode-list" '
        'title="Trek bike"><div class="result-node"><a href="https://chicago.craigslist.org/chc/'
        'bik/d/chicago-trek-bike/7712345678.html" class="cl-app-anchor text-only posting-title">'
        '<span class="label">Trek bike</span></a><span class="priceinfo">$350</span></div></li>'
    )
    page = f'<html><body><div class="results cl-results-page"><ol>{card}</ol></div></body></html>'
    [record] = craigslist.parse(page.encode(), "file:///x.html")
    assert (record["listing_id"], record["title"], record["price"]) == (
        "7712345678",
        "Trek bike",
        350.0,
    )


def test_saved_page_reads_its_site_and_dollar_from_the_page() -> None:
    head = '<link rel="canonical" href="https://toronto.craigslist.ca/search/sss">'
    page = _old_page(_old_row("4190474929", "Sofa", price="$300"), head=head)
    [record] = craigslist.parse(page, "file:///saved/page.html")
    assert record["url"] == "https://toronto.craigslist.ca/sfc/apa/4190474929.html"
    assert (record["price"], record["currency"]) == (300.0, "CAD")  # a Canadian site's dollar
    no_site = craigslist.parse_with_problems(_old_page(_old_row("4190474929", "Sofa")), "file:///x")
    assert no_site[0] == [] and "names no site" in no_site[1][0]


# Page states of pages without a real saved example.


@pytest.mark.parametrize(
    "wording",
    [
        "Nothing found for that search.",
        "no results",
        "Zero LOCAL results found. Here are some from NEARBY areas...",
    ],
)
def test_empty_searches_say_so(wording: str) -> None:
    static = _static_page().replace(b"<main>", f"<main><p>{wording}</p>".encode())
    rows = f'<html><body><p class="alert">{wording}</p><ul class="rows"></ul></body></html>'
    for body in (
        static,
        rows.encode(),
        _old_page(head="").replace(b"<div", f"<h4>{wording}</h4><div".encode(), 1),
    ):
        assert read_page(craigslist, body, URL).state == EMPTY


def test_search_list_without_the_sites_wording_is_not_empty() -> None:
    page = read_page(craigslist, _static_page(), URL)
    assert page.state == UNRECOGNIZED and "li.cl-static-search-result" in (page.reason or "")


def test_cards_in_an_unknown_markup_are_unrecognized_never_empty() -> None:
    cards = "".join(
        f'<li class="cl-card-2027"><a href="https://www.craigslist.org/posting?id={n}">'
        f"Item {n}</a><span>$10</span></li>"
        for n in range(3)
    )
    body = _static_page(cards).replace(b"<main>", b"<main><p>no results nearby?</p>")
    page = read_page(craigslist, body, URL)
    assert page.state == UNRECOGNIZED and page.records == []
    assert len(page.problems) == 3 and "unknown markup" in page.problems[0]


@pytest.mark.parametrize(
    "notice",
    [
        "This posting has expired.",
        "This posting has been deleted by its author.",
        "This posting has been flagged for removal.",
    ],
)
def test_removed_postings_are_removed(notice: str) -> None:
    url = "https://chicago.craigslist.org/chc/cto/d/chicago-2015-honda-civic-ex/7712345678.html"
    with_ad = read_page(craigslist, _posting_page(notice), url)
    assert with_ad.state == REMOVED and with_ad.records[0]["status"] == "removed"
    bare = f"<html><body><h2>{notice}</h2></body></html>".encode()
    assert read_page(craigslist, bare, url) == PageResult(REMOVED)


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body><p>This IP has been automatically blocked.</p>"
        b"<p>If you have questions, please email: blocks-b1234@craigslist.org</p></body></html>",
        b"<html><body><h1>Please complete the captcha to continue</h1></body></html>",
    ],
)
def test_block_pages_are_blocked_states(body: bytes) -> None:
    assert read_page(craigslist, body, URL).state == BLOCKED


def test_2011_rows_and_titles_with_amounts() -> None:
    row = (
        '<p class="row" data-latitude="37.7" data-longitude="-122.4"><span class="ih" '
        'id="images:5Nf5Ke5H"></span> Nov  8 - <a href="http://sfbay.craigslist.org/sfc/apa/'
        '2684531234.html">$2400 / 2br - Sunny flat</a> - <span class="itemph"></span>'
        '<span class="itempp"> $2400</span><font size="-1"> (SOMA)</font></p>'
    )
    [old] = craigslist.parse(_old_page(row), "file:///saved.html")
    assert (old["listing_id"], old["title"], old["price"], old["location"]) == (
        "2684531234",
        "$2400 / 2br - Sunny flat",
        2400.0,
        "SOMA",
    )
    # a static card without a price element has no price, whatever its title says
    [static] = craigslist.parse(_static_page(_static("7712345678", "$500 off rent", "")), URL)
    assert static["price"] is None


def test_protocol_relative_links_name_the_site_of_a_saved_page() -> None:
    header = '<header><a href="//chicago.craigslist.org/">CL</a></header>'
    rows = _page(_row("5512345678")).replace(b"<body>", f"<body>{header}".encode())
    [record] = craigslist.parse(rows, "file:///saved/cto.html")
    assert record["url"] == "https://chicago.craigslist.org/chi/cto/d/car/5512345678.html"
    assert record["currency"] == "USD"


@pytest.mark.parametrize(
    ("heading", "footer"),
    [
        ("<h2>2003 Honda Civic EX - $4500 (soma / south beach)</h2>", "PostingID: 2045641234"),
        (
            '<h2 class="postingtitle"><span class="star"></span> 2003 Honda Civic EX - $4500 '
            "(soma / south beach)</h2>",
            '<div class="postinginfos"><p class="postinginfo">Posting ID: 2045641234</p></div>',
        ),
    ],
)
def test_2009_2013_posting_pages(heading: str, footer: str) -> None:
    page = (
        "<html><head><title>2003 Honda Civic EX</title></head><body>"
        f'{heading}<hr>Date: 2010-11-10, 10:47AM PST<br><div id="userbody">Runs great. '
        f"New tires.</div>{footer}</body></html>"
    ).encode()
    [record] = craigslist.parse(page, "https://sfbay.craigslist.org/sfc/cto/2045641234.html")
    assert (record["listing_id"], record["title"], record["price"], record["location"]) == (
        "2045641234",
        "2003 Honda Civic EX",
        4500.0,
        "soma / south beach",
    )
    assert record["attributes"]["body"] == "Runs great. New tires."
    assert record["url"] == "https://sfbay.craigslist.org/sfc/cto/2045641234.html"


def test_a_posting_with_data_pid_buttons_is_a_posting() -> None:
    url = "https://chicago.craigslist.org/chc/cto/d/chicago-2015-honda-civic-ex/7712345678.html"
    body = _posting_page().replace(
        b"</section></section>", b'<button data-pid="7712345678">hide</button></section></section>'
    )
    [record] = craigslist.parse(body, url)
    assert (record["listing_id"], record["title"]) == ("7712345678", "2015 Honda Civic EX")


def test_link_less_banners_in_a_results_list_are_not_ads() -> None:
    banner = '<li class="cl-static-separator">Few local results found.</li>'
    records, problems = craigslist.parse_with_problems(
        _static_page(banner, _static("7712345678")), URL
    )
    assert [r["listing_id"] for r in records] == ["7712345678"] and problems == []


def test_a_page_saved_from_a_browser_reads_the_static_list_not_also_the_app_cards() -> None:
    app = (
        '<li data-pid="7712345678" class="cl-search-result" title="2015 Honda Civic EX">'
        '<a href="https://www.craigslist.org/view/d/chicago-2015-honda/AbCdEfGh12345678" '
        'class="posting-title"><span class="label">2015 Honda Civic EX</span></a></li>'
    )
    token_card = _static("7712345678").replace(
        "https://chicago.craigslist.org/chc/cto/d/chicago-2015-honda-civic-ex/7712345678.html",
        "https://www.craigslist.org/view/d/chicago-2015-honda/AbCdEfGh12345678",
    )
    body = _static_page(token_card).replace(b"<main>", f"<main><ol>{app}</ol>".encode())
    records = craigslist.parse(body, URL)
    assert [r["listing_id"] for r in records] == ["AbCdEfGh12345678"]
