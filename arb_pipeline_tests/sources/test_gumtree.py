"""Gumtree parser, on real saved gumtree.pl pages (Katowice search, Wrocław ad, 2020)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from arb_pipeline.sources import gumtree
from arb_pipeline.sources.common import RECORD_FIELDS, BlockedPageError, ParseError
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
    check_expected_with_and_without_url,
)

URL = "https://www.gumtree.pl/s-mieszkania-i-domy-do-wynajecia/katowice/v1c9008l3200285p1"
AD_URL = "https://www.gumtree.pl/a-mieszkania-i-domy-do-wynajecia/wroclaw/1006269071150911148472709"


@pytest.fixture(scope="module")
def folder(shared_fixtures: Path) -> Path:
    return shared_fixtures / "gumtree_pl"


@pytest.fixture(scope="module")
def body(folder: Path) -> bytes:
    return (folder / "search_katowice_2020.html").read_bytes()


def _tile(ad_id: str, title: str = "Mieszkanie 2 pokoje", price: str = "1 500 zł") -> str:
    return (
        f'<div class="tileV1"><div class="title"><a class="href-link tile-title-text" '
        f'href="/a-mieszkania-i-domy-do-wynajecia/katowice/{ad_id}">{title}</a></div>'
        f'<div class="info"><span class="price-text">{price}</span></div>'
        f'<div class="category-location"><span>mieszkania,&nbsp;Katowice</span></div></div>'
    )


def _page(*tiles: str, featured: str = "") -> bytes:
    return (
        '<html><body class="SearchPageV1"><div class="results list-view">'
        f'<div class="topAdsContainer">{featured}</div><div class="view">{"".join(tiles)}</div>'
        "</div></body></html>"
    ).encode()


def test_every_tile_becomes_a_valid_record(body: bytes) -> None:
    records, problems = gumtree.parse_with_problems(body, URL)
    assert len(records) == 13 and problems == []
    assert len({r["listing_id"] for r in records}) == 13
    for record in records:
        assert tuple(record) == RECORD_FIELDS
        assert record["source"] == "gumtree" and record["title"]
        assert record["url"].startswith("https://www.gumtree.pl/a-mieszkania-i-domy-do-wynajecia/")
        assert record["url"].endswith(record["listing_id"])
        assert record["location"] == "Katowice" and record["status"] == "active"
    assert [r["currency"] for r in records].count("PLN") == 12


def test_known_values_of_the_first_featured_tile(body: bytes) -> None:
    records = gumtree.parse(body, URL)
    first = records[0]
    assert first["listing_id"] == "1007237652890910498351909"
    assert first["title"] == "KATOWICE ZAŁĘŻE CENTRUM 46M ATRAKCYJNE WARTO"
    assert (first["price"], first["currency"]) == (900.0, "PLN")
    assert first["category_raw"] == "mieszkania i domy do wynajęcia"
    assert first["image_url"] == "https://i.ebayimg.com/images/g/KfEAAOSw709eqb6O/s-l140.jpg"
    assert first["attributes"] == {"short_id": "723765289", "photo_count": 7, "featured": True}
    assert sum(r["attributes"].get("featured", False) for r in records) == 3
    assert records[3]["price"] == 2490.0  # "2 490 zł": a space as thousands separator
    assert records[3]["attributes"]["created_text"] == "3 godziny temu"
    assert records[3]["listed_at"] is None  # relative age, no absolute date on the tile


def test_price_on_request_has_no_price_and_no_currency(body: bytes) -> None:
    by_id = {r["listing_id"]: r for r in gumtree.parse(body, URL)}
    on_request = by_id["1007244462800910806727109"]
    assert (on_request["price"], on_request["currency"]) == (None, None)
    assert on_request["attributes"]["price_text"] == "Proszę o kontakt"


def test_titles_prices_and_urls_of_the_authors_export(folder: Path) -> None:
    # The export covers other result pages than the saved one (no ad is on both), so render
    # its ads as tiles: the parser must read back the author's titles, prices and ids.
    expected = json.loads((folder / "search_katowice_2020.expected_ads.json").read_text())
    tiles = [_tile(a["gumtreeId"], a["title"], f"{a['price']:,} zł") for a in expected]
    records = gumtree.parse(_page(*tiles), URL)
    assert len(expected) == 24 and len(records) == 23  # one ad id is exported twice
    first_of_each: dict[str, dict] = {}
    for ad in expected:
        first_of_each.setdefault(ad["gumtreeId"], ad)
    assert [r["listing_id"] for r in records] == list(first_of_each)
    for record in records:
        ad = first_of_each[record["listing_id"]]
        assert record["title"] == " ".join(ad["title"].split())
        assert (record["price"], record["currency"]) == (ad["price"], "PLN")
        assert record["url"] == ad["url"]


def test_next_page(body: bytes) -> None:
    assert gumtree.next_page(body, URL) == (
        "https://www.gumtree.pl/s-mieszkania-i-domy-do-wynajecia/katowice/page-2/v1c9008l3200285p2"
    )
    assert gumtree.next_page(_page(_tile("1001")), URL) is None


def test_ad_detail_page(folder: Path) -> None:
    body = (folder / "ad_wroclaw_2020.html").read_bytes()
    records, problems = gumtree.parse_with_problems(body, AD_URL)
    assert problems == [] and len(records) == 1  # the "similar ads" block is not parsed
    [ad] = records
    assert ad["listing_id"] == "1006269071150911148472709"
    assert ad["url"] == (
        "https://www.gumtree.pl/a-mieszkania-i-domy-do-wynajecia/wroclaw/"
        "kawalerka-w-centrum-wysoki-standard-angel-river/1006269071150911148472709"
    )
    assert ad["title"] == "Fajne mieszkanie do wynajecia"  # the h1 (og:title differs)
    assert (ad["price"], ad["currency"]) == (2200.0, "PLN")
    assert ad["location"] == "Wrocław, Dolnośląskie"
    assert ad["listed_at"] == datetime(2019, 11, 10, tzinfo=UTC)
    assert ad["seller_id"] == "111484727"
    assert ad["category_raw"] == "mieszkania i domy do wynajęcia"
    assert ad["image_url"] == "https://i.ebayimg.com/images/g/wzgAAOSwXI1dyDya/s-l800.jpg"
    attributes = ad["attributes"]
    assert (attributes["size_m2"], attributes["rooms"]) == (32.0, "Kawalerka lub garsoniera")
    assert (attributes["landlord"], attributes["parking"]) == ("Agencja", "Kryty")
    assert attributes["description"].startswith("Do wynajęcia wysokiej klasy apartament")
    assert gumtree.next_page(body, AD_URL) is None


def test_empty_result_page() -> None:
    assert gumtree.parse(_page(), URL) == []


def test_featured_ad_repeated_in_the_list_is_returned_once() -> None:
    page = _page(_tile("1001"), _tile("1002"), featured=_tile("1002"))
    records = gumtree.parse(page, URL)
    assert [r["listing_id"] for r in records] == ["1002", "1001"]
    assert [r["attributes"].get("featured") for r in records] == [True, None]
    assert (
        records[0]["url"] == "https://www.gumtree.pl/a-mieszkania-i-domy-do-wynajecia/katowice/1002"
    )


def test_currency_comes_from_the_page() -> None:
    page = _page(_tile("1", price="£450"), _tile("2", price="1200"))
    records, problems = gumtree.parse_with_problems(page, "https://www.gumtree.com/search")
    assert [(r["price"], r["currency"]) for r in records] == [(450.0, "GBP")]
    assert len(problems) == 1 and "no currency" in problems[0]


def test_one_broken_tile_does_not_lose_the_others() -> None:
    broken = '<div class="tileV1"><div class="title">no link</div></div>'
    records, problems = gumtree.parse_with_problems(_page(_tile("1"), broken, _tile("3")), URL)
    assert [r["listing_id"] for r in records] == ["1", "3"]
    assert len(problems) == 1 and "tile 1" in problems[0]


def test_truncated_page_is_reported(body: bytes) -> None:
    cut = body[: body.index(b"<!--                                ad2 -->")]
    records, problems = gumtree.parse_with_problems(cut, URL)
    assert len(records) == 4 and any("truncated" in p for p in problems)


@pytest.mark.parametrize("bad", [b"", b"<html><body><p>Hello</p></body></html>", b'{"a": 1}'])
def test_malformed_pages_raise_parse_error_naming_the_url(bad: bytes) -> None:
    with pytest.raises(ParseError, match="gumtree.pl") as caught:
        gumtree.parse(bad, URL)
    assert not isinstance(caught.value, BlockedPageError)


@pytest.mark.parametrize(
    "page",
    [
        b"<html><body><h1>Please complete the captcha</h1></body></html>",
        b'<html><body><form action="/login.html"><input type="password"></form></body></html>',
    ],
)
def test_block_and_login_pages_are_blocked(page: bytes) -> None:
    with pytest.raises(BlockedPageError):
        gumtree.parse(page, URL)


# Reviewed expected outputs of the real pages, parsed as the CLI does without --url (the site
# and currency read from the page) and with the page's real URL: the same records either way.

AD_OG_URL = (  # the ad page's own address (its og:url)
    "https://www.gumtree.pl/a-mieszkania-i-domy-do-wynajecia/wroclaw/"
    "kawalerka-w-centrum-wysoki-standard-angel-river/1006269071150911148472709"
)
REAL_PAGES = [
    ("gumtree_pl/search_katowice_2020.html", URL),
    ("gumtree_pl/ad_wroclaw_2020.html", AD_OG_URL),
]


@pytest.mark.parametrize(("fixture", "url"), REAL_PAGES)
def test_real_pages_match_their_reviewed_output(
    shared_fixtures: Path, fixture: str, url: str
) -> None:
    bare = check_expected_with_and_without_url(shared_fixtures, "gumtree", fixture, url)
    assert bare.state == RESULTS and bare.problems == []
    assert all(r["url"].startswith("https://www.gumtree.pl/a-") for r in bare.records)
    assert {r["currency"] for r in bare.records} <= {"PLN", None}


def test_saved_ad_page_keeps_the_gumtree_address_not_its_rewritten_canonical(
    shared_fixtures: Path,
) -> None:
    # the saved page's canonical link was rewritten to another host by its author; og:url holds
    body = (shared_fixtures / "gumtree_pl" / "ad_wroclaw_2020.html").read_bytes()
    assert b"https://www.jvmops.com/" in body
    [ad] = gumtree.parse(body, "file:///saved/ad.html")
    assert ad["url"].startswith("https://www.gumtree.pl/a-mieszkania-i-domy-do-wynajecia/wroclaw/")


def test_site_read_from_a_saved_page() -> None:
    plain = _page(_tile("1001"))
    records, problems = gumtree.parse_with_problems(plain, "file:///x.html")
    assert records == [] and "names no Gumtree site" in problems[0]
    polish = plain.replace(
        b"<html>", b'<html data-locale="pl_PL"><head><title>Katowice | Gumtree</title></head>'
    )
    [record] = gumtree.parse(polish, "file:///x.html")
    assert record["url"] == "https://www.gumtree.pl/a-mieszkania-i-domy-do-wynajecia/katowice/1001"
    form = plain.replace(
        b"</body>", b'<form action="/api/x" data-url="https://www.gumtree.pl"></form></body>'
    )
    assert gumtree.parse(form, "file:///x.html")[0]["url"] == record["url"]


def test_tiles_found_by_their_links_in_an_older_markup() -> None:
    items = "".join(
        f'<li class="result pictures"><div class="result-link"><div class="title">'
        f'<a class="href-link" href="/a-elektronika/warszawa/{slug}/{ad_id}">{title}</a></div>'
        f'<div class="price"><span class="amount">{price}</span></div>'
        f'<div class="category-location">elektronika,&nbsp;Warszawa</div></div></li>'
        for ad_id, slug, title, price in (
            ("1002345678901234567890", "iphone-7", "iPhone 7 32GB", "650 zł"),
            ("1002345678901234567891", "laptop-dell", "Laptop Dell", "1 200 zł"),
        )
    )
    page = f'<html><body class="ResultsSearch"><ul class="list">{items}</ul></body></html>'
    records, problems = gumtree.parse_with_problems(page.encode(), URL)
    assert problems == []
    assert [(r["listing_id"], r["title"], r["price"], r["currency"]) for r in records] == [
        ("1002345678901234567890", "iPhone 7 32GB", 650.0, "PLN"),
        ("1002345678901234567891", "Laptop Dell", 1200.0, "PLN"),
    ]
    assert records[0]["url"] == (
        "https://www.gumtree.pl/a-elektronika/warszawa/iphone-7/1002345678901234567890"
    )
    assert (records[0]["location"], records[0]["category_raw"]) == ("Warszawa", "elektronika")


# Page states of pages without a real saved example.


@pytest.mark.parametrize(
    "wording",
    [
        "Nie znaleziono ogłoszeń dla wybranych kryteriów.",
        "Niestety, nie znaleźliśmy ogłoszeń pasujących do Twojego wyszukiwania.",
        "Brak wyników wyszukiwania",
    ],
)
def test_empty_search_in_polish_is_empty(wording: str) -> None:
    body = _page().replace(b'<div class="view">', f'<div class="view"><p>{wording}</p>'.encode())
    assert read_page(gumtree, body, URL) == PageResult(EMPTY)


def test_search_page_without_the_sites_wording_is_not_empty() -> None:
    page = read_page(gumtree, _page(), URL)
    assert page.state == UNRECOGNIZED and "div.tileV1" in (page.reason or "")


def test_tiles_in_an_unknown_markup_are_unrecognized_never_empty() -> None:
    tiles = "".join(
        f'<div class="tileV3"><a class="tile-title" href="/ad?id={n}">Mieszkanie</a></div>'
        for n in range(3)
    )
    for extra in ("", '<div class="tileV1"><div class="title">Mieszkanie, bez linku</div></div>'):
        body = _page(extra).replace(b'<div class="view">', f'<div class="view">{tiles}'.encode())
        body = body.replace(b"</div></body>", "<p>Brak wyników</p></div></body>".encode())
        page = read_page(gumtree, body, URL)
        assert page.state == UNRECOGNIZED and page.records == []
        assert any("unknown markup" in problem for problem in page.problems)
        assert ("tile 0 skipped" in page.problems[0]) == bool(extra)


def _ad_page(notice: str, with_ad: bool = True) -> bytes:
    ad = (
        '<div class="vip-content-header"><h1 class="item-title">Kawalerka Wrocław</h1>'
        '<div class="price"><span class="amount">2 200 zł</span></div></div>'
        '<input type="hidden" id="adId" value="1006269071150911148472709">'
        if with_ad
        else ""
    )
    return (
        '<html data-locale="pl_PL"><head><title>Gumtree</title>'
        '<meta property="og:url" content="https://www.gumtree.pl/a-mieszkania-i-domy-do-wynajecia/'
        'wroclaw/kawalerka/1006269071150911148472709"></head><body class="VIP">'
        f'<div class="notice">{notice}</div>{ad}'
        '<script>var messages = {"expired": "Ogłoszenie wygasło"};</script></body></html>'
    ).encode()


@pytest.mark.parametrize(
    "notice",
    [
        "Ogłoszenie jest nieaktualne.",
        "To ogłoszenie wygasło.",
        "Ogłoszenie zostało usunięte przez użytkownika.",
        "Przepraszamy, to ogłoszenie nie jest już dostępne.",
    ],
)
def test_removed_ads_are_removed(notice: str) -> None:
    page = read_page(gumtree, _ad_page(notice), AD_URL)
    assert page.state == REMOVED and page.problems == []
    [ad] = page.records
    assert (ad["status"], ad["listing_id"], ad["price"], ad["currency"]) == (
        "removed",
        "1006269071150911148472709",
        2200.0,
        "PLN",
    )
    assert read_page(
        gumtree, _ad_page(notice, with_ad=False).replace(b"og:url", b"og:nothing"), AD_URL
    ) == PageResult(REMOVED)


def test_live_ad_with_removed_words_only_in_its_scripts_is_active() -> None:
    [ad] = read_page(gumtree, _ad_page(""), AD_URL).records
    assert ad["status"] == "active"


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body><h1>Please complete the captcha</h1></body></html>",
        b'<html><body><form action="/login.html"><input type="password"></form></body></html>',
        b"<html><head><script src='https://geo.captcha-delivery.com/captcha/'></script></head>"
        b"<body></body></html>",
    ],
)
def test_block_pages_are_blocked_states(body: bytes) -> None:
    assert read_page(gumtree, body, URL).state == BLOCKED


def test_expired_ad_listing_similar_ads_is_removed_not_a_search() -> None:
    similar = f'<div class="similar-ads">{_tile("1001")}{_tile("1002")}</div>'
    body = _ad_page("To ogłoszenie wygasło.", with_ad=False).replace(
        b"</body>", f"{similar}</body>".encode()
    )
    assert read_page(gumtree, body, AD_URL) == PageResult(REMOVED)


def test_removal_words_in_the_sellers_description_do_not_remove_the_ad() -> None:
    body = _ad_page("").replace(
        b"</body>",
        '<div class="vip-details"><div class="description">Gdy ogłoszenie jest nieaktualne, '
        "usuwam je.</div></div></body>".encode(),
    )
    [ad] = read_page(gumtree, body, AD_URL).records
    assert ad["status"] == "active"


def test_ad_page_before_2019() -> None:
    body = (
        '<html><head><meta property="og:url" content="https://www.gumtree.pl/a-samochody-osobowe/'
        'krakow/audi-a4/1001234567890910456789012"></head><body class="VIP">'
        '<div class="vip-title clearfix"><span class="myAdTitle">Audi A4 B8 2009</span>'
        '<div class="price"><span class="value"><span class="amount">24 900 zł</span></span>'
        "</div></div></body></html>"
    ).encode()
    [ad] = gumtree.parse(body, "file:///saved/ad.html")
    assert (ad["listing_id"], ad["title"], ad["price"], ad["currency"]) == (
        "1001234567890910456789012",
        "Audi A4 B8 2009",
        24900.0,
        "PLN",
    )
    assert ad["url"].startswith("https://www.gumtree.pl/a-samochody-osobowe/krakow/")
