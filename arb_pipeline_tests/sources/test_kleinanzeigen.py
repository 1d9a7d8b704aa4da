"""kleinanzeigen.de search page parser, on small hand-written pages (no saved real page)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from arb_pipeline.sources import kleinanzeigen
from arb_pipeline.sources.common import RECORD_FIELDS, BlockedPageError, ParseError

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
    assert top["listed_at"] is None  # top ads carry no date
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
    assert kleinanzeigen.parse(_page(), URL) == []


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
