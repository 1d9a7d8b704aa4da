"""OLX parser: the real olx.pl pages of 2026 (Warsaw studio flats search, one ad page), and
small built pages for the states and layouts no real page shows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from arb_pipeline.sources import olx
from arb_pipeline.sources.common import CONDITIONS, RECORD_FIELDS
from arb_pipeline.sources.pages import BLOCKED, EMPTY, REMOVED, RESULTS, UNRECOGNIZED, read_page
from arb_pipeline.sources.search_urls import SearchOptions
from arb_pipeline_tests.sources.expected_outputs import (
    check_expected,
    check_expected_with_and_without_url,
    read_fixture,
)

SEARCH = "olx_pl/search_warsaw_2026.html"
SEARCH_URL = "https://www.olx.pl/nieruchomosci/mieszkania/wynajem/warszawa/q-kawalerka/"
AD = "olx_pl/ad_studio_2026.html"
AD_URL = "https://www.olx.pl/d/oferta/male-studio-bezposrednio-CID3-ID19jUV7.html"
URL = "https://www.olx.pl/oferty/q-iphone/"
NOW = datetime(2026, 2, 7, 18, 0, tzinfo=UTC)


def _card(
    ad_id: str = "1053789142",
    title: str = "iPhone 12 64GB",
    price: str = "1 250 zł",
    label: str = "",
    when: str = "Warszawa, Mokotów - 03 lutego 2026",
    href: str | None = None,
    condition: str = "Używane",
) -> str:
    href = href or f"/d/oferta/iphone-12-CID99-ID19jAH4.html?search_reason=search%7Corganic&{ad_id}"
    return (
        f'<div data-cy="l-card" data-testid="l-card" id="{ad_id}" class="css-1sw7q4x">'
        f'<a class="css-x" href="{href}"><img src="https://ireland.apollo.olxcdn.com/v1/files/a'
        f'/image" alt="{title}"></a><div data-cy="ad-card-title"><a href="{href}"><h4>{title}</h4>'
        f'</a><p data-testid="ad-price"><style>.css-x{{color:red}}</style>{price}<span>{label}'
        f'</span></p></div><span title="{condition}"><span>{condition}</span></span>'
        f'<p data-testid="location-date">{when}</p></div>'
    )


def _page(*cards: str, extra: str = "", head: str = "") -> bytes:
    return (
        f'<!doctype html><html><head>{head}</head><body><div data-testid="listing-grid">'
        f"{''.join(cards)}</div>{extra}</body></html>"
    ).encode()


def _partner_card(ad_id: str = "1052770036") -> str:
    return _card(ad_id, href=f"https://www.otodom.pl/pl/oferta/kawalerka-ID4o{ad_id[-3:]}.html")


# --- the real pages -------------------------------------------------------------------------


@pytest.mark.parametrize(("fixture", "url"), [(SEARCH, SEARCH_URL), (AD, AD_URL)])
def test_real_pages_match_their_reviewed_output(
    shared_fixtures: Path, fixture: str, url: str
) -> None:
    # the saved file names its site (canonical link): the same records without --url
    check_expected_with_and_without_url(shared_fixtures, "olx", fixture, url)


def test_search_page_reads_the_olx_ads_and_counts_the_partner_cards(shared_fixtures: Path) -> None:
    page = check_expected(shared_fixtures, "olx", SEARCH, url=SEARCH_URL)
    records = page.records
    assert page.state == RESULTS
    # 51 cards: 27 link to otodom.pl (not OLX ads), 24 OLX ads, 11 of them promoted
    assert len(records) == 24 and len({r["listing_id"] for r in records}) == 24
    assert page.problems == [
        f"{SEARCH_URL}: 27 partner cards (otodom.pl) skipped: they link to the partner's site,"
        " not to an OLX ad"
    ]
    assert sum(bool(r["attributes"].get("promoted")) for r in records) == 11
    for record in records:
        assert tuple(record) == RECORD_FIELDS and record["condition"] in CONDITIONS
        assert record["url"].startswith("https://www.olx.pl/d/oferta/")
        assert "?" not in record["url"] and "otodom" not in record["url"]
        assert record["currency"] == "PLN" and record["price"] >= 1000
        assert record["listed_at"] is not None and record["location"].startswith("Warszawa, ")
    first = records[0]
    assert first["listing_id"] == "1000552821"
    assert first["title"] == "Studio | Od zaraz | Pets Friendly | Woronicza"
    assert first["price"] == 2750.0  # the card's inline <style> text is not read as its price
    assert first["listed_at"] == datetime(2026, 2, 3, tzinfo=UTC)
    negotiable = {r["listing_id"]: r for r in records if r["attributes"].get("negotiable")}
    assert set(negotiable) == {"1051256529", "1053875097"}
    assert negotiable["1053875097"]["price"] == 1899.0
    # "Dzisiaj o 15:21" is the ad's lastRefreshTime (16:21:xx+01:00 in the page data) in UTC,
    # on the day the page was served (7 Feb 2026), whatever day the test runs
    assert negotiable["1053875097"]["listed_at"] == datetime(2026, 2, 7, 15, 21, tzinfo=UTC)
    refreshed = {r["listing_id"]: r for r in records if r["attributes"].get("refreshed")}
    assert refreshed["1050149179"]["listed_at"] == datetime(2026, 2, 5, tzinfo=UTC)
    assert refreshed["1050149179"]["attributes"]["listed_raw"] == "Odświeżono dnia 05 lutego 2026"


def test_ad_page_is_the_ad(shared_fixtures: Path) -> None:
    page = check_expected(shared_fixtures, "olx", AD, url=AD_URL)
    assert page.state == RESULTS and page.problems == []
    (ad,) = page.records
    assert ad["listing_id"] == "1053866955"  # "ID: 1053866955" on the page
    assert ad["url"] == AD_URL and ad["title"] == "Małe studio. Bezpośrednio."
    assert (ad["price"], ad["currency"], ad["status"]) == (2200.0, "PLN", "active")
    # "Dodane dzisiaj o 14:41": lastRefreshTime 2026-02-07T15:41:59+01:00, written in UTC
    assert ad["listed_at"] == datetime(2026, 2, 7, 14, 41, tzinfo=UTC)
    assert ad["location"] == "Warszawa, Praga-Północ, Mazowieckie"
    assert ad["seller_id"] == "Jw09F" and ad["attributes"]["seller_name"] == "Właściciel"
    assert ad["category_raw"] == "Nieruchomości > Mieszkania > Wynajem"
    assert ad["attributes"]["description"].startswith("Bezpośrednio od właściciela oferuję studio")
    assert ad["attributes"]["params"]["Powierzchnia"] == "20 m²"


def test_next_page_of_the_real_search(shared_fixtures: Path) -> None:
    body = read_fixture(shared_fixtures, SEARCH)
    assert olx.next_page(body, SEARCH_URL) == SEARCH_URL + "?page=2"
    assert olx.next_page(body, (shared_fixtures / SEARCH).as_uri()) == SEARCH_URL + "?page=2"


# --- built pages: the other states ----------------------------------------------------------


def _state(body: bytes, url: str = URL) -> str:
    return read_page(olx, body, url).state


def test_card_fields_condition_and_relative_dates() -> None:
    body = _page(
        _card("1", label="do negocjacji", when="Kraków - Dzisiaj o 09:15"),
        _card("2", price="Za darmo", condition="Nowe", when="Gdańsk - Odświeżono dzisiaj o 10:00"),
        _card("3", price="Zamienię", condition="Uszkodzone"),
    )
    records, problems = olx.parse_with_problems(body, URL, now=NOW)
    assert problems == []
    one, two, three = records
    assert (one["price"], one["currency"], one["condition"]) == (1250.0, "PLN", "good")
    assert one["condition_raw"] == "Używane" and one["attributes"]["negotiable"] is True
    assert one["location"] == "Kraków" and one["attributes"].get("promoted") is None
    # no page data to anchor "today": the parse time's day
    assert one["listed_at"] == datetime(2026, 2, 7, 9, 15, tzinfo=UTC)
    assert (two["price"], two["attributes"]["free"], two["condition"]) == (0.0, True, "new")
    assert two["attributes"]["refreshed"] is True
    assert (three["price"], three["attributes"]["swap"]) == (None, True)
    assert three["condition"] == "for_parts"


def test_promoted_and_delivery_cards_are_flagged() -> None:
    href = "/d/oferta/x-CID99-ID19jAH4.html?search_reason=search%7Cpromoted"
    badge = '<div data-testid="card-delivery-badge"><svg></svg></div></div>'
    card = _card("1", href=href).removesuffix("</div>") + badge
    (record,) = olx.parse(_page(card), URL, now=NOW)
    assert record["attributes"]["promoted"] is True
    assert record["attributes"]["shipping_possible"] is True
    assert record["url"] == "https://www.olx.pl/d/oferta/x-CID99-ID19jAH4.html"


def test_empty_search_is_empty() -> None:
    extra = "<div><h3>Nie znaleźliśmy żadnych wyników</h3><p>Sprawdź pisownię.</p></div>"
    assert _state(_page(extra=extra)) == EMPTY


def test_the_wording_in_scripts_alone_is_not_empty() -> None:
    # every 2026 page carries OLX's translations (no-results and removed wording) in a script
    script = '<script>window.t={"filters.noResults":"Nie znaleźliśmy żadnych wyników"}</script>'
    body = _page(extra=script + "<div class='x'>" + "Lorem ipsum dolor sit amet " * 20 + "</div>")
    assert _state(body) == UNRECOGNIZED


def test_page_of_partner_cards_only_is_empty_not_unrecognized() -> None:
    body = _page(_partner_card("11"), _partner_card("12"))
    assert olx.parse_with_problems(body, URL, now=NOW) == ([], [])
    assert _state(body) == EMPTY


def test_partner_cards_beside_a_broken_card_are_unrecognized() -> None:
    broken = '<div data-cy="l-card" id="9"><p>Something else entirely</p></div>'
    page = read_page(olx, _page(_partner_card(), broken), URL)
    assert page.state == UNRECOGNIZED and "card 1 (9) skipped: no link to an ad" in page.reason


def test_cards_in_an_unknown_markup_are_unrecognized_never_empty() -> None:
    cards = "".join(
        f'<div class="item-{i}"><a href="/listing/{i}">Phone {i}</a> 100 zł</div>' for i in range(5)
    )
    page = read_page(olx, _page(extra=cards), URL)
    assert page.state == UNRECOGNIZED and "layout changed" in page.reason


def test_ads_in_an_unknown_markup_are_found_by_their_links() -> None:
    cards = "".join(
        f'<li class="new-{i}"><a href="/d/oferta/phone-CID99-ID19jAH{i}.html"><b>Phone {i}</b>'
        f'</a><a href="/d/oferta/phone-CID99-ID19jAH{i}.html">more</a><em>{i}00 zł</em></li>'
        for i in range(1, 4)
    )
    records = olx.parse(_page(extra=f"<ul>{cards}</ul>"), URL, now=NOW)
    assert [r["title"] for r in records] == ["Phone 1", "Phone 2", "Phone 3"]
    # no numeric id on the card: OLX's own base-62 id from the link
    assert records[0]["listing_id"] == "1053789139"
    assert [(r["price"], r["currency"]) for r in records][0] == (100.0, "PLN")


def test_pre_2021_table_layout() -> None:
    row = (
        '<td class="offer promoted"><div class="offer-wrapper"><table summary="Ogłoszenie" '
        'data-id="123456789" class="fixed breakword"><tbody><tr><td><a href="https://www.olx.pl'
        '/oferta/iphone-7-CID99-IDxyz12.html#a1b2" class="thumb"><img class="fleft" '
        'src="https://apollo-ireland.akamaized.net/v1/files/x/image" alt="iPhone 7"></a></td>'
        '<td class="title-cell"><h3><a href="https://www.olx.pl/oferta/iphone-7-CID99-IDxyz12'
        '.html#a1b2" class="detailsLink"><strong>iPhone 7 32GB</strong></a></h3></td><td>'
        '<p class="price"><strong>650 zł</strong></p><span>do negocjacji</span></td></tr><tr>'
        '<td class="bottom-cell"><small class="breadcrumb"><span><i data-icon="location-filled">'
        '</i>Poznań, Jeżyce</span></small><small class="breadcrumb"><span><i data-icon="clock">'
        "</i>12 marca 2019</span></small></td></tr></tbody></table></div></td>"
    )
    body = f'<html><body><table id="offers_table"><tr class="wrap">{row}</tr></table></body></html>'
    (record,) = olx.parse(body.encode(), "https://www.olx.pl/elektronika/telefony/q-iphone/")
    assert record["listing_id"] == "123456789"
    assert record["url"] == "https://www.olx.pl/oferta/iphone-7-CID99-IDxyz12.html"
    assert (record["title"], record["price"], record["currency"]) == ("iPhone 7 32GB", 650.0, "PLN")
    assert record["location"] == "Poznań, Jeżyce"
    assert record["listed_at"] == datetime(2019, 3, 12, tzinfo=UTC)
    assert record["attributes"]["promoted"] is True


def _ad_page(notice: str = "", title: str = "iPhone 12", availability: str = "InStock") -> bytes:
    offer = {
        "@type": "Offer",
        "availability": f"https://schema.org/{availability}",
        "priceCurrency": "PLN",
        "price": 900,
    }
    ld = json.dumps({"@type": "Product", "name": title, "sku": "1053866955", "offers": offer})
    main = (
        f'<div data-cy="offer_title"><h4>{title}</h4></div><div data-testid="ad-price-container">'
        "<h3>900 zł</h3></div>"
        if title
        else ""
    )
    return (
        f'<html><head><script type="application/ld+json">{ld}</script></head><body>{notice}'
        f'{main}<div data-testid="ad-footer-bar-section"><span>ID: 1053866955</span></div>'
        "</body></html>"
    ).encode()


def test_removed_ad_with_its_details_is_a_removed_record() -> None:
    notice = "<div><h2>To ogłoszenie nie jest już dostępne</h2><p>Sprzedający zakończył ogłoszenie"
    page = read_page(olx, _ad_page(notice + "</p></div>"), AD_URL)
    assert page.state == REMOVED
    assert [(r["listing_id"], r["status"]) for r in page.records] == [("1053866955", "removed")]


def test_ad_sold_out_in_its_schema_org_data_is_removed() -> None:
    (record,) = olx.parse(_ad_page(availability="OutOfStock"), AD_URL)
    assert record["status"] == "removed" and record["price"] == 900.0


def test_removed_ad_without_details_is_removed_without_a_record() -> None:
    notice = "<h1>To ogłoszenie nie jest już dostępne</h1><p>Sprzedający zakończył ogłoszenie</p>"
    page = read_page(olx, f"<html><body>{notice}</body></html>".encode(), AD_URL)
    assert (page.state, page.records) == (REMOVED, [])


def test_active_ad_page_is_active_though_its_scripts_hold_the_removed_wording() -> None:
    script = (
        '<script>t={"ad.inactive.message.title":"To ogłoszenie nie jest już dostępne"}</script>'
    )
    (record,) = olx.parse(_ad_page(script), AD_URL)
    assert record["status"] == "active"


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body><h1>Access denied</h1><p>You have been blocked.</p></body></html>",
        b'<html><head><script src="https://geo.captcha-delivery.com/c.js"></script></head>'
        b"<body></body></html>",
        b"<html><head><script>var a=1;</script></head><body><noscript>JS</noscript></body></html>",
    ],
)
def test_block_pages_are_blocked(body: bytes) -> None:
    assert _state(body) == BLOCKED


@pytest.mark.parametrize(
    ("url", "price", "expected"),
    [
        ("https://www.olx.ro/oferte/q-iphone/", "1.500 lei", (1500.0, "RON")),
        ("https://www.olx.ua/uk/list/q-iphone/", "25 000 $", (25000.0, "USD")),
        ("https://www.olx.ua/uk/list/q-iphone/", "12 000 грн.", (12000.0, "UAH")),
        ("https://www.olx.pt/ads/q-iphone/", "250 €", (250.0, "EUR")),
        ("https://www.olx.bg/ads/q-iphone/", "300", (300.0, "BGN")),
    ],
)
def test_sister_sites_currencies(url: str, price: str, expected: tuple[float, str]) -> None:
    href = "/d/oferta/x-CID99-ID19jAH4.html"
    (record,) = olx.parse(_page(_card("1", price=price, href=href)), url, now=NOW)
    assert (record["price"], record["currency"]) == expected
    assert record["url"].startswith(url[: url.index("/", 8)])


def test_saved_file_without_its_site_refuses_a_bare_amount() -> None:
    page = read_page(olx, _page(_card("1", price="300")), "file:///tmp/saved.html")
    assert page.state == UNRECOGNIZED and "names no" in page.reason


def test_saved_file_reads_its_site_from_the_canonical_link() -> None:
    head = f'<link rel="canonical" href="{URL}">'
    (record,) = olx.parse(_page(_card("1"), head=head), "file:///tmp/saved.html", now=NOW)
    assert record["url"].startswith("https://www.olx.pl/d/oferta/") and record["currency"] == "PLN"


def test_search_urls() -> None:
    search = SimpleNamespace(
        name="phones",
        query="iPhone 12 Pro",
        price_min=100,
        price_max=1500.5,
        conditions=["good", "fair", "for_parts"],
        location="Kraków",
        radius_km=12,
    )
    (url,) = olx.search_urls(search, "https://www.olx.pl", SearchOptions())
    assert url == (
        "https://www.olx.pl/krakow/q-iphone-12-pro/?search%5Border%5D=created_at%3Adesc"
        "&search%5Bfilter_float_price%3Afrom%5D=100&search%5Bfilter_float_price%3Ato%5D=1500.50"
        "&search%5Bfilter_enum_state%5D%5B0%5D=used&search%5Bfilter_enum_state%5D%5B1%5D=damaged"
        "&search%5Bdist%5D=15"
    )
    anywhere = SimpleNamespace(**{**vars(search), "location": None, "conditions": []})
    (url,) = olx.search_urls(anywhere, "https://www.olx.pl", SearchOptions())
    assert url.startswith("https://www.olx.pl/oferty/q-iphone-12-pro/?")
    polish = SimpleNamespace(**{**vars(anywhere), "query": "Kawalerka do wynajęcia"})
    assert (
        "/q-kawalerka-do-wynaj%C4%99cia/"
        in olx.search_urls(polish, "https://x", SearchOptions())[0]
    )


def test_ad_page_with_recommended_cards_is_only_the_ad() -> None:
    body = _ad_page(notice=_card("777", title="Recommended phone"))
    (record,) = olx.parse(body, AD_URL)
    assert record["listing_id"] == "1053866955" and record["title"] == "iPhone 12"


def test_ad_sold_out_in_its_schema_org_data_is_sold() -> None:
    (record,) = olx.parse(_ad_page(availability="SoldOut"), AD_URL)
    assert record["status"] == "sold"


def test_pre_2021_ad_page_saved_without_its_url() -> None:
    body = (
        '<html><head><link rel="canonical" href="https://www.olx.pl/oferta/rower-CID767-IDab12C'
        '.html"></head><body><div class="offer-titlebox"><h1> Rower górski Kross </h1><div '
        'class="pricelabel"><strong class="pricelabel__value">1 250 zł</strong><small>Do '
        'negocjacji</small></div></div><div id="textContent">Sprzedam rower, stan bardzo dobry.'
        '</div><div class="offer-bottombar"><em>ID ogłoszenia: 456789012</em></div></body></html>'
    ).encode()
    (record,) = olx.parse(body, "file:///tmp/rower.html")
    assert (record["listing_id"], record["title"]) == ("456789012", "Rower górski Kross")
    assert record["url"] == "https://www.olx.pl/oferta/rower-CID767-IDab12C.html"
    assert (record["price"], record["currency"]) == (1250.0, "PLN")
    assert record["attributes"]["negotiable"] is True
    assert record["attributes"]["description"] == "Sprzedam rower, stan bardzo dobry."


@pytest.mark.parametrize(
    ("count", "state"), [("0", EMPTY), ("1 000", RESULTS), ("ponad 1000", RESULTS)]
)
def test_a_page_that_found_nothing_shows_suggestions_not_results(count: str, state: str) -> None:
    header = f'<span data-testid="total-count">Znaleźliśmy <span>{count}</span> ogłoszeń</span>'
    page = read_page(olx, _page(_card("1"), head="", extra=header), URL)
    assert page.state == state and len(page.records) == (state == RESULTS)
