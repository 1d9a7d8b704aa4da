"""kleinanzeigen.de parser: the real saved pages (reviewed expected outputs) and small
hand-written pages for the layouts and page states no real page shows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from arb_pipeline.sources import kleinanzeigen
from arb_pipeline.sources.common import RECORD_FIELDS, BlockedPageError, ParseError
from arb_pipeline.sources.pages import BLOCKED, EMPTY, REMOVED, RESULTS, UNRECOGNIZED, read_page
from arb_pipeline_tests.sources.expected_outputs import (
    check_expected,
    check_expected_with_and_without_url,
    read_fixture,
)

URL = "https://www.kleinanzeigen.de/s-iphone-13/k0"
NOW = datetime(2025, 11, 14, 12, 0, tzinfo=UTC)  # 13:00 in Berlin (CET)
IMG = "https://img.kleinanzeigen.de/api/v1/prod-ads/images/{}?rule=$_2.AUTO"


def _ad(
    adid: str,
    title: str = "iPhone 13 128GB Mitternacht",
    price: str = "450 € VB",
    where: str = "10115 Mitte",
    when: str = "Heute, 10:15",
    tags: str = '<span class="simpletag">Versand möglich</span>',
    topad: bool = False,
) -> str:
    href = f"/s-anzeige/{title.lower().replace(' ', '-')}/{adid}-173-3331"
    return f"""
<li class="ad-listitem fully-clickable-card{" badge-topad is-topad" if topad else ""}">
 <article class="aditem" data-adid="{adid}" data-href="{href}">
  <div class="aditem-image"><a href="{href}"><div class="imagebox srpimagebox">
   <img src="{IMG.format(adid)}" alt="{title}" loading="lazy">
   <div class="galleryimage--counter">5</div></div></a></div>
  <div class="aditem-main">
   <div class="aditem-main--top">
    <div class="aditem-main--top--left"><i class="icon icon-small icon-pin-gray"></i> {where}</div>
    <div class="aditem-main--top--right"><i class="icon icon-small icon-calendar-open"></i>
     {when}</div>
   </div>
   <div class="aditem-main--middle">
    <h2 class="text-module-begin"><a class="ellipsis" href="{href}">{title}</a></h2>
    <p class="aditem-main--middle--description">Verkaufe mein gut erhaltenes Gerät ...</p>
    <div class="aditem-main--middle--price-shipping">
     <p class="aditem-main--middle--price-shipping--price">
      {price}</p>
    </div>
   </div>
   <div class="aditem-main--bottom"><p class="text-module-end">{tags}</p></div>
  </div>
 </article>
</li>"""


def _page(*ads: str, tail: str = "") -> bytes:
    return f"""<!DOCTYPE html><html lang="de"><head><title>Iphone 13 | kleinanzeigen.de</title>
</head><body><div id="srchrslt-content">
<div class="srchresult-headline"><h1>1 - 25 von 1.744 Ergebnissen für „iphone 13“</h1></div>
<ul id="srchrslt-adtable" class="itemlist ad-list it3">{"".join(ads)}</ul>{tail}
</div></body></html>""".encode()


PAGE = _page(
    _ad("2912345678", title="iPhone 13 Pro 256GB TOP", price="1.250 € VB", when="", topad=True),
    _ad("2912345679", price="450 €", where="80331 Altstadt-Lehel (12 km)", when="Gestern, 18:00"),
    _ad("2912345678", title="iPhone 13 Pro 256GB TOP", price="1.250 € VB", when="12.11.2025"),
    _ad("2912345680", title="iPhone 13 Hülle", price="Zu verschenken", tags=""),
    _ad("2912345681", title="iPhone 13 mini defekt", price="VB", when="12.11.2025"),
    tail='<div class="pagination"><a class="pagination-next" title="Nächste" '
    'href="/s-seite:2/iphone-13/k0"></a></div>',
)


def test_every_ad_becomes_one_record() -> None:
    records, problems = kleinanzeigen.parse_with_problems(PAGE, URL, now=NOW)
    assert problems == []
    assert [r["listing_id"] for r in records] == [
        "2912345678",  # the top ad, shown again lower down, is kept once
        "2912345679",
        "2912345680",
        "2912345681",
    ]
    for record in records:
        assert tuple(record) == RECORD_FIELDS
        assert record["source"] == "kleinanzeigen" and record["status"] == "active"
        assert record["url"].startswith("https://www.kleinanzeigen.de/s-anzeige/")
        assert record["scraped_at"] == NOW


def test_known_values_of_the_top_ad() -> None:
    top = kleinanzeigen.parse(PAGE, URL, now=NOW)[0]
    assert top["url"] == (
        "https://www.kleinanzeigen.de/s-anzeige/iphone-13-pro-256gb-top/2912345678-173-3331"
    )
    assert top["title"] == "iPhone 13 Pro 256GB TOP"
    assert (top["price"], top["currency"]) == (1250.0, "EUR")  # German thousands dot
    assert (top["location"], top["image_url"]) == ("10115 Mitte", IMG.format("2912345678"))
    # the top ad's date cell is empty; its organic copy lower down (kept once) gives the date
    assert top["listed_at"] == datetime(2025, 11, 11, 23, 0, tzinfo=UTC)
    assert top["attributes"]["negotiable"] is True
    assert top["attributes"]["top_ad"] is True
    assert top["attributes"]["shipping_possible"] is True
    assert top["attributes"]["zip_code"] == "10115"


def test_prices_free_and_negotiable_only() -> None:
    records = {r["listing_id"]: r for r in kleinanzeigen.parse(PAGE, URL, now=NOW)}
    fixed, free, vb = records["2912345679"], records["2912345680"], records["2912345681"]
    assert (fixed["price"], fixed["currency"]) == (450.0, "EUR")
    assert "negotiable" not in fixed["attributes"]
    assert (free["price"], free["currency"], free["attributes"]["free"]) == (0.0, "EUR", True)
    assert "shipping_possible" not in free["attributes"]
    assert (vb["price"], vb["currency"], vb["attributes"]["negotiable"]) == (None, None, True)


def test_locations_and_dates_are_berlin_time_in_utc() -> None:
    records = {r["listing_id"]: r for r in kleinanzeigen.parse(PAGE, URL, now=NOW)}
    yesterday = records["2912345679"]
    assert yesterday["location"] == "80331 Altstadt-Lehel"
    assert yesterday["attributes"]["distance_km"] == 12
    assert yesterday["listed_at"] == datetime(2025, 11, 13, 17, 0, tzinfo=UTC)  # 18:00 CET
    assert records["2912345680"]["listed_at"] == datetime(2025, 11, 14, 9, 15, tzinfo=UTC)
    assert records["2912345681"]["listed_at"] == datetime(2025, 11, 11, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2025, 7, 1, 12, 0, tzinfo=UTC), datetime(2025, 7, 1, 8, 15, tzinfo=UTC)),  # CEST
        # 00:30 on 15 Nov in Berlin while it is still 14 Nov in UTC: "Heute" is Berlin's day
        (datetime(2025, 11, 14, 23, 30, tzinfo=UTC), datetime(2025, 11, 15, 9, 15, tzinfo=UTC)),
    ],
)
def test_today_is_relative_to_the_fetch_time_in_berlin(now: datetime, expected: datetime) -> None:
    record = kleinanzeigen.parse(_page(_ad("1")), URL, now=now)[0]
    assert record["listed_at"] == expected


def test_one_broken_ad_does_not_lose_the_others() -> None:
    page = _page(_ad("1"), _ad("2", title=" "), _ad("3", price="450"), _ad("4"))
    records, problems = kleinanzeigen.parse_with_problems(page, URL, now=NOW)
    assert [r["listing_id"] for r in records] == ["1", "4"]
    assert len(problems) == 2 and "(2)" in problems[0] and "no € sign" in problems[1]


def test_next_page() -> None:
    assert (
        kleinanzeigen.next_page(PAGE, URL) == "https://www.kleinanzeigen.de/s-seite:2/iphone-13/k0"
    )
    assert kleinanzeigen.next_page(_page(_ad("1")), URL) is None


def test_no_results_page_is_empty() -> None:
    page = (
        "<html><body><div id='srchrslt-content'><div class='outcomemessage-warning'>"
        "Es wurden leider keine Ergebnisse für „xyzzy“ gefunden.</div></div></body></html>"
    ).encode()
    assert kleinanzeigen.parse_with_problems(page, URL) == ([], [])
    assert read_page(kleinanzeigen, page, URL).state == EMPTY
    # a result list with no ad in it and no "no results" wording is a layout we do not know
    # (this test once asserted [] here: that was the silent zero of issue 18)
    assert read_page(kleinanzeigen, _page(), URL).state == UNRECOGNIZED


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>Zugriff verweigert</title></head><body><h1>Zugriff verweigert</h1>"
        "<p>Leider können wir Ihre Anfrage nicht bearbeiten.</p></body></html>",
        "<html><body><h1>Sicherheitsabfrage</h1><p>Bitte bestätige, dass du kein Roboter bist."
        "</p><div class='g-recaptcha'></div></body></html>",
    ],
)
def test_blocked_pages_are_blocked(page: str) -> None:
    with pytest.raises(BlockedPageError):
        kleinanzeigen.parse(page.encode(), URL)
    with pytest.raises(BlockedPageError):
        kleinanzeigen.next_page(page.encode(), URL)


def test_malformed_page_raises_parse_error_naming_the_url() -> None:
    for page in (b"", b"<html><body><p>Wartungsarbeiten</p></body></html>", PAGE[:120]):
        with pytest.raises(ParseError, match="kleinanzeigen.de") as caught:
            kleinanzeigen.parse(page, URL)
        assert not isinstance(caught.value, BlockedPageError)


# The real saved pages: reviewed expected outputs, with and without their URL. "Heute" is read
# against the parse time, so the expected outputs are parsed at one fixed time.
SEARCH_2022 = "kleinanzeigen/search_oneplus_2022.html"
SEARCH_2026 = "kleinanzeigen/search_rentals_berlin_2026.html"
AD_2022 = "kleinanzeigen/ad_reserved_2022.html"
REAL_URLS = {
    SEARCH_2022: "https://www.ebay-kleinanzeigen.de/s-oneplus/k0",
    SEARCH_2026: "https://www.kleinanzeigen.de/s-wohnung-mieten/berlin/c203l3331",
    AD_2022: "https://www.ebay-kleinanzeigen.de/s-anzeige/wg-in-altkloster/2115482518-199-3328",
}
PARSED_AT = datetime(2026, 4, 20, 12, 0, tzinfo=UTC)  # 14:00 in Berlin


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(kleinanzeigen, "_clock", lambda: PARSED_AT)
    return PARSED_AT


@pytest.mark.parametrize("fixture", [SEARCH_2022, SEARCH_2026, AD_2022])
def test_real_pages_parse_the_same_with_and_without_their_url(
    shared_fixtures: Path, fixed_clock: datetime, fixture: str
) -> None:
    url = REAL_URLS[fixture]
    bare = check_expected_with_and_without_url(shared_fixtures, "kleinanzeigen", fixture, url)
    assert bare.state == RESULTS and bare.problems == []


def test_real_2022_search_page(shared_fixtures: Path, fixed_clock: datetime) -> None:
    records = check_expected(shared_fixtures, "kleinanzeigen", SEARCH_2022).records
    assert len(records) == 25 == len({r["listing_id"] for r in records})
    assert all(r["url"].startswith("https://www.kleinanzeigen.de/s-anzeige/") for r in records)
    assert all(r["url"].split("/")[-1].startswith(r["listing_id"] + "-") for r in records)
    first = records[0]
    assert (first["listing_id"], first["title"], first["price"], first["currency"]) == (
        "2112153524",
        "OnePlus 7T",
        130.0,
        "EUR",
    )
    assert first["location"] == "23966 Wismar" and first["attributes"]["negotiable"] is True
    # "Heute, 15:19" in Berlin on the day of the parse
    assert first["listed_at"] == datetime(2026, 4, 20, 13, 19, tzinfo=UTC)
    swap = next(r for r in records if r["listing_id"] == "2112050374")
    assert (swap["price"], swap["attributes"]["free"]) == (0.0, True)  # "Zu verschenken"
    assert swap["location"] == "79761 Waldshut-Tiengen"  # without the page's zero-width space
    assert sum("negotiable" in r["attributes"] for r in records) == 15
    assert sum(r["attributes"].get("shipping_possible", False) for r in records) == 18


def test_real_2026_search_page(shared_fixtures: Path, fixed_clock: datetime) -> None:
    records = check_expected(shared_fixtures, "kleinanzeigen", SEARCH_2026).records
    # 27 cards: 25 organic and 2 TOP ads, one of which is also among the organic ones
    assert len(records) == 26 == len({r["listing_id"] for r in records})
    top = [r for r in records if r["attributes"].get("top_ad")]
    assert [r["listing_id"] for r in top] == ["3374833041", "3337375537"]
    was = top[1]  # "1.390 €" with the old price "1.490 €" struck through in the same element
    assert (was["price"], was["attributes"]["old_price"]) == (1390.0, 1490.0)
    assert {r["currency"] for r in records} == {"EUR"}
    assert all(r["price"] and r["location"] and r["image_url"] for r in records)
    assert all(r["listed_at"] is None for r in records)  # the page's date cells are empty


def test_real_2022_ad_page_is_the_ad_not_the_recommended_ads(
    shared_fixtures: Path, fixed_clock: datetime
) -> None:
    page = check_expected(shared_fixtures, "kleinanzeigen", AD_2022)
    (ad,) = page.records
    assert (ad["listing_id"], ad["title"], ad["price"], ad["currency"]) == (
        "2115482518",
        "WG in Altkloster",  # its hidden "Reserviert • Nicht mehr verfügbar • " prefix left out
        350.0,
        "EUR",
    )
    assert ad["url"] == (
        "https://www.kleinanzeigen.de/s-anzeige/wg-in-altkloster/2115482518-199-3328"
    )
    assert (ad["location"], ad["seller_id"], ad["category_raw"]) == (
        "21614 Niedersachsen - Buxtehude",
        "93689943",
        "Auf Zeit & WG",
    )
    assert ad["listed_at"] == datetime(2022, 5, 25, 22, 0, tzinfo=UTC)  # 26.05.2022 in Berlin
    assert ad["attributes"]["description"].startswith("1 Zimmer in einer 4 Zimmer Wohnung")
    assert ad["attributes"]["details"]["Wohnfläche"] == "11 m²"
    # The saved page's script says showPausedVeil: false, showSoldVeil: false, adExpired: false
    # and both status badges carry is-hidden: the ad was live when the page was saved.
    assert ad["status"] == "active" and "status_raw" not in ad["attributes"]


def _reserved(body: bytes, **flags: str) -> bytes:
    """The real ad page with its script's state flags set as the site sets them."""
    for name, value in flags.items():
        body = body.replace(f"{name}: false".encode(), f"{name}: {value}".encode())
    return body


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        ({"showPausedVeil": "true"}, "Reserviert"),
        ({"showSoldVeil": "true"}, "Nicht mehr verfügbar"),
    ],
)
def test_an_ad_the_site_marks_reserved_or_gone_is_removed(
    shared_fixtures: Path, flags: dict[str, str], words: str
) -> None:
    body = _reserved(read_fixture(shared_fixtures, AD_2022), **flags)
    page = read_page(kleinanzeigen, body, REAL_URLS[AD_2022])
    assert page.state == REMOVED
    (ad,) = page.records
    assert (ad["status"], ad["attributes"]["status_raw"], ad["title"]) == (
        "removed",
        words,
        "WG in Altkloster",
    )
    assert ad["attributes"].get("reserved") is (True if words == "Reserviert" else None)


AD_URL = "https://www.kleinanzeigen.de/s-anzeige/iphone-13-128gb/2912345678-173-3331"


def _ad_page(title_html: str, script: str = "", extra: str = "") -> bytes:
    return f"""<!DOCTYPE html><html lang="de"><head><title>iPhone 13 | Kleinanzeigen</title>
<link rel="canonical" href="{AD_URL}"><script>Belen.Search.ViewAdView.init({{ {script} }});</script>
</head><body>{extra}<section id="viewad-main"><article id="viewad-product">
<h1 id="viewad-title" class="boxedarticle--title">{title_html}</h1>
<h2 class="boxedarticle--price" id="viewad-price">450 € VB</h2>
<span id="viewad-locality">10115 Berlin - Mitte</span>
<div id="viewad-extra-info"><div><span>Gestern, 18:00</span></div></div>
<ul class="addetailslist"><li class="addetailslist--detail">Zustand<span
 class="addetailslist--detail--value">Sehr Gut</span></li></ul>
<p id="viewad-description-text">Wenig benutzt.</p></article></section>
<div id="viewad-contact"><a href="/s-bestandsliste.html?userId=123">Anna</a></div>
<div id="viewad-ad-id-box"><ul><li>Anzeigen-ID</li><li>2912345678</li></ul></div>
<section id="viewad-other-ads"><article class="aditem" data-adid="1"><a
 href="/s-anzeige/other/1111111111-173-1">Other ad</a><p>5 €</p></article></section>
</body></html>""".encode()


def test_ad_page_with_a_visible_status_badge_is_removed() -> None:
    page = _ad_page(
        '<span class="pvap-reserved-title">Gelöscht • </span>'
        '<span class="pvap-reserved-title is-hidden">Reserviert • </span> iPhone 13 128GB'
    )
    result = read_page(kleinanzeigen, page, AD_URL)
    assert result.state == REMOVED
    (ad,) = result.records
    assert (ad["listing_id"], ad["title"], ad["price"], ad["status"]) == (
        "2912345678",
        "iPhone 13 128GB",
        450.0,
        "removed",
    )
    assert ad["attributes"]["status_raw"] == "Gelöscht" and "reserved" not in ad["attributes"]
    assert (ad["condition"], ad["condition_raw"], ad["seller_id"]) == (
        "like_new",
        "Sehr Gut",
        "123",
    )


def test_ad_page_of_a_live_ad_and_its_script_flags() -> None:
    hidden = '<span class="pvap-reserved-title is-hidden">Reserviert • </span> iPhone 13 128GB'
    live = kleinanzeigen.parse(_ad_page(hidden, "showPausedVeil: false"), AD_URL, now=NOW)
    assert [(r["title"], r["status"]) for r in live] == [("iPhone 13 128GB", "active")]
    assert live[0]["attributes"]["negotiable"] is True
    assert live[0]["listed_at"] == datetime(2025, 11, 13, 17, 0, tzinfo=UTC)
    deleted = kleinanzeigen.parse(_ad_page(hidden, "showDeletedVeil: true"), AD_URL, now=NOW)
    assert deleted[0]["status"] == "removed"
    assert deleted[0]["attributes"]["status_raw"] == "Gelöscht"
    # a status written into the title as text is no part of the title
    prefixed = kleinanzeigen.parse(_ad_page("Reserviert • iPhone 13 128GB"), AD_URL, now=NOW)
    assert (prefixed[0]["title"], prefixed[0]["attributes"]["reserved"]) == (
        "iPhone 13 128GB",
        True,
    )


def test_ad_page_without_site_markup_reads_its_structured_data() -> None:
    page = f"""<html><head><link rel="canonical" href="{AD_URL}">
<meta property="og:type" content="product"><meta property="og:title" content="iPhone 13 128GB">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "Product",
"name": "iPhone 13 128GB", "image": "https://img.kleinanzeigen.de/api/v1/prod-ads/images/a.jpg",
"offers": {{"@type": "Offer", "price": "450.00", "priceCurrency": "EUR"}}}}</script>
</head><body><main class="flex flex-col"><h1 class="text-title">iPhone 13 128GB</h1></main>
</body></html>""".encode()
    (ad,) = kleinanzeigen.parse(page, "file:///tmp/saved.html", now=NOW)
    assert (ad["listing_id"], ad["url"], ad["title"], ad["price"], ad["currency"]) == (
        "2912345678",
        AD_URL,
        "iPhone 13 128GB",
        450.0,
        "EUR",
    )
    assert ad["image_url"] == "https://img.kleinanzeigen.de/api/v1/prod-ads/images/a.jpg"


@pytest.mark.parametrize(
    "page",
    [
        # a deleted ad's URL redirects to a search page that says so above other ads
        '<html><body><div class="outcomemessage-warning">Die gewünschte Anzeige ist nicht mehr '
        'verfügbar.</div><ul id="srchrslt-adtable"><li><article class="aditem" data-adid="9">'
        '<a href="/s-anzeige/x/9999999-1-1">Anderes</a><p>5 €</p></article></li></ul>'
        "</body></html>",
        # an ad page with the ad's data gone
        f'<html><head><link rel="canonical" href="{AD_URL}"></head><body>'
        '<div class="outcomemessage-warning">Diese Anzeige wurde gelöscht.</div></body></html>',
        # an expired ad's page in a markup we do not know
        "<html><body><main><h2>Diese Anzeige ist abgelaufen.</h2><p>Schau dir ähnliche "
        "Anzeigen an.</p></main></body></html>",
    ],
)
def test_a_deleted_ad_without_its_data_is_removed(page: str) -> None:
    result = read_page(kleinanzeigen, page.encode(), AD_URL)
    assert (result.state, result.records) == (REMOVED, [])


def _utility_card(ad_id: str, title: str, price: str, place: str, when: str) -> str:
    href = f"/s-anzeige/{title.lower().replace(' ', '-')}/{ad_id}-173-3331"
    return f"""<article class="flex gap-2 rounded-lg p-2 hover:bg-gray-50">
 <a class="block w-32 shrink-0" href="{href}"><img class="h-24 w-32 object-cover"
  src="https://img.kleinanzeigen.de/api/v1/prod-ads/images/{ad_id}.jpg" alt="{title}"></a>
 <div class="flex min-w-0 flex-col gap-1">
  <div class="flex justify-between text-sm text-gray-600"><span>{place}</span>
   <span>{when}</span></div>
  <a class="truncate font-semibold" href="{href}">{title}</a>
  <div class="flex items-baseline gap-2"><span class="text-lg font-bold">{price}</span>
   <span class="text-sm text-gray-500 line-through">999 €</span></div>
  <div class="flex gap-1"><span class="rounded bg-gray-100 px-1">Versand möglich</span></div>
 </div></article>"""


def test_cards_in_the_new_utility_class_markup_are_found_by_their_ad_links() -> None:
    cards = "".join(
        [
            _utility_card(
                "3400000001", "iPhone 13 128GB", "450 € VB", "10115 Mitte", "Heute, 10:15"
            ),
            _utility_card("3400000002", "iPhone 13 Hülle", "Zu verschenken", "80331 Altstadt", ""),
            _utility_card(
                "3400000003", "iPhone 13 mini", "1.250 €", "20095 Hamburg (3 km)", "12.11.2025"
            ),
        ]
    )
    page = f"""<!DOCTYPE html><html><body><main class="mx-auto max-w-5xl">
<h1 class="text-xl">1 - 3 von 3 Ergebnissen für „iphone 13“</h1>
<div class="grid grid-cols-1 gap-4">{cards}</div></main></body></html>""".encode()
    result = read_page(kleinanzeigen, page, URL)
    assert result.state == RESULTS and result.problems == []
    records = {r["listing_id"]: r for r in result.records}
    assert list(records) == ["3400000001", "3400000002", "3400000003"]
    phone = records["3400000001"]
    assert (phone["title"], phone["price"], phone["currency"], phone["location"]) == (
        "iPhone 13 128GB",
        450.0,
        "EUR",
        "10115 Mitte",
    )
    assert (
        phone["url"] == "https://www.kleinanzeigen.de/s-anzeige/iphone-13-128gb/3400000001-173-3331"
    )
    assert phone["attributes"]["negotiable"] is True
    assert phone["attributes"]["shipping_possible"] is True
    assert (
        phone["image_url"] == "https://img.kleinanzeigen.de/api/v1/prod-ads/images/3400000001.jpg"
    )
    assert records["3400000002"]["price"] == 0.0 and records["3400000002"]["attributes"]["free"]
    mini = records["3400000003"]
    assert mini["price"] == 1250.0  # not the struck-through 999 €
    assert mini["attributes"]["distance_km"] == 3 and mini["location"] == "20095 Hamburg"


@pytest.mark.parametrize(
    "message",
    [
        "Es wurden leider keine Ergebnisse für „xyzzy“ gefunden.",
        "Leider keine Ergebnisse für „xyzzy“ in Berlin gefunden.",
        "Keine Anzeigen gefunden",
    ],
)
def test_the_sites_no_results_wording_is_empty_even_above_other_regions_ads(message: str) -> None:
    page = _page(_ad("2912345678"), tail="").replace(
        b'<div class="srchresult-headline">',
        f'<div class="outcomemessage-warning">{message}</div>'
        '<div class="srchresult-headline">'.encode(),
    )
    result = read_page(kleinanzeigen, page, URL)
    assert (result.state, result.records) == (EMPTY, [])


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>Zugriff verweigert</title></head><body><h1>Zugriff verweigert</h1>"
        "<p>Leider können wir Ihre Anfrage nicht bearbeiten.</p></body></html>",
        '<html><head><script src="https://geo.captcha-delivery.com/captcha/"></script></head>'
        "<body></body></html>",
        "<html><head><script>var a=1;</script><script src='/x.js'></script></head><body>"
        "<div id='root'></div></body></html>",
        "<html><body><h1>Zu viele Anfragen</h1><p>Bitte versuche es später.</p></body></html>",
    ],
)
def test_block_pages_are_blocked(page: str) -> None:
    assert read_page(kleinanzeigen, page.encode(), URL).state == BLOCKED


def test_cards_in_a_markup_without_ad_ids_or_links_are_unrecognized_never_empty() -> None:
    cards = "".join(
        f'<div class="tile"><h2>iPhone 13 #{i}</h2><p>450 €</p><a href="/ad?id={i}">Ansehen</a>'
        "</div>"
        for i in range(5)
    )
    page = f"<html><body><h1>1 - 5 von 5 Ergebnissen</h1>{cards}</body></html>".encode()
    result = read_page(kleinanzeigen, page, URL)
    assert result.state == UNRECOGNIZED and "data-adid" in (result.reason or "")


def test_cards_that_cannot_be_read_are_unrecognized_and_named() -> None:
    page = _page(_ad("1", price="450"), _ad("2", price="99"))
    result = read_page(kleinanzeigen, page, URL)
    assert result.state == UNRECOGNIZED
    assert len(result.problems) == 2 and "card 0 (1) skipped" in result.problems[0]


def _ad_2015(adid: str, price: str, place: str = "12099<br>\n Tempelhof<br>") -> str:
    """A card of the 2014-2019 markup: price in a <strong> beside the place, date in an addon."""
    href = f"/s-anzeige/schrankwand/{adid}-192-3409"
    return f"""<li class="ad-listitem lazyload-item"><article class="aditem" data-adid="{adid}">
 <div class="aditem-image"><a href="{href}"><div class="imagebox srpimagebox"
  data-imgsrc="https://i.ebayimg.com/00/s/NjAwWDgwMA==/z/abc/$_2.JPG"></div></a></div>
 <section class="aditem-main">
  <h2 class="text-module-begin"><a name="{adid}" href="{href}">Schrankwand mit Beleuchtung</a></h2>
  <p>Lieferung gegen Aufpreis möglich</p><p class="text-module-end"></p>
 </section>
 <section class="aditem-details"><strong>{price}</strong><br>
  {place}
 </section>
 <section class="aditem-addon">Gestern, 16:30</section>
</article></li>"""


def test_cards_of_the_2014_2019_markup() -> None:
    page = _page(_ad_2015("583452920", "30 € VB"), _ad_2015("583452921", "Zu verschenken"))
    records = kleinanzeigen.parse(page, URL, now=NOW)
    first, free = records
    assert (first["listing_id"], first["title"], first["price"], first["currency"]) == (
        "583452920",
        "Schrankwand mit Beleuchtung",
        30.0,
        "EUR",
    )
    assert (first["location"], first["attributes"]["negotiable"]) == ("12099 Tempelhof", True)
    assert first["listed_at"] == datetime(2025, 11, 13, 15, 30, tzinfo=UTC)
    assert first["attributes"]["description"] == "Lieferung gegen Aufpreis möglich"
    assert first["image_url"] == "https://i.ebayimg.com/00/s/NjAwWDgwMA==/z/abc/$_2.JPG"
    assert (free["price"], free["attributes"]["free"]) == (0.0, True)


def test_cards_that_are_one_link_each() -> None:
    cards = "".join(
        f'<li class="mb-3"><a class="flex gap-3 rounded-xl" href="/s-anzeige/{slug}/{ad_id}-173-1">'
        f'<div class="w-24"><div class="rounded bg-gray-200"></div></div><div class="flex-1">'
        f'<div class="text-xs text-gray-500">50667 Köln</div><p class="font-medium">{title}</p>'
        f'<p class="text-sm text-gray-600">Akku 91 %, kaum benutzt, mit Rechnung.</p>'
        f'<div class="font-bold">{price}</div></div></a></li>'
        for ad_id, slug, title, price in (
            ("3500000001", "ipad-air", "iPad Air 5 64GB", "380 € VB"),
            ("3500000002", "ipad-mini", "iPad mini 6", "420 €"),
        )
    )
    page = f"<html><body><main><ul class='space-y-3'>{cards}</ul></main></body></html>".encode()
    records = kleinanzeigen.parse(page, URL, now=NOW)
    assert [(r["listing_id"], r["title"], r["price"], r["location"]) for r in records] == [
        ("3500000001", "iPad Air 5 64GB", 380.0, "50667 Köln"),
        ("3500000002", "iPad mini 6", 420.0, "50667 Köln"),
    ]
