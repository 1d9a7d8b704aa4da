"""eBay search page parser: the real 2026 s-card page, and small hand-written pages in each
layout and page state."""

from __future__ import annotations

from pathlib import Path

import pytest

from arb_pipeline.sources import ebay
from arb_pipeline.sources.common import RECORD_FIELDS, BlockedPageError, ParseError
from arb_pipeline.sources.pages import PageResult, read_page
from arb_pipeline_tests.sources.expected_outputs import (
    check_expected_with_and_without_url,
)

URL = "https://www.ebay.com/sch/i.html?_nkw=iphone+12&_sacat=0"
NEXT = '<nav class="pagination"><a href="{}" class="pagination__next icon-link">Next</a></nav>'
PAGE_2 = "https://www.ebay.com/sch/i.html?_nkw=iphone+12&amp;_sacat=0&amp;_pgn=2"
IMG = "https://i.ebayimg.com/thumbs/images/g/{}/s-l300.webp"

PLACEHOLDER = """
<li class="s-item s-item__pl-on-bottom" data-viewport='{"trackableId":"01"}'>
 <div class="s-item__wrapper clearfix">
  <div class="s-item__image-section"><div class="s-item__image">
  <a tabindex="-1" href="https://ebay.com/itm/123456?hash=item28caef0a3a:g:E3kAAOSwlGJiMikD">
  <div class="s-item__image-wrapper image-treatment">
   <img src="https://ir.ebaystatic.com/rs/v/fxxj3ttftm5ltcqnto1o4baovyl.png"></div></a>
 </div></div>
 <div class="s-item__info clearfix">
  <a href="https://ebay.com/itm/123456?hash=item28caef0a3a" class="s-item__link">
  <div class="s-item__title"><span role="heading" aria-level="3">Shop on eBay</span></div></a>
  <div class="s-item__details clearfix"><div class="s-item__detail s-item__detail--primary">
   <span class="s-item__price">$20.00</span></div></div></div></div>
</li>"""


def _legacy(
    item_id: str,
    title: str = "Apple iPhone 12 64GB Black Unlocked",
    price: str = "$199.99",
    details: str = "",
    caption: str = "",
    condition: str = "Pre-Owned",
) -> str:
    caption_html = (
        f'<div class="s-item__caption-section"><div class="s-item__caption--row">'
        f'<span class="s-item__caption--signal POSITIVE"><span>{caption}</span></span></div></div>'
        if caption
        else ""
    )
    return f"""
<li class="s-item s-item__pl-on-bottom" data-viewport='{{"trackableId":"{item_id}"}}'
    id="item{item_id}">
 <div class="s-item__wrapper clearfix">
  <div class="s-item__image-section"><div class="s-item__image">
   <a tabindex="-1" href="https://www.ebay.com/itm/{item_id}?hash=item3e0b&amp;epid=123&amp;itmmeta=01J">
   <div class="s-item__image-wrapper image-treatment">
    <img class="s-item__image-img" alt="" src="{IMG.format(item_id)}" loading="eager"></div></a>
  </div></div>
  <div class="s-item__info clearfix">{caption_html}
   <a class="s-item__link" href="https://www.ebay.com/itm/{item_id}?hash=item3e0b&amp;epid=123">
    <div class="s-item__title"><span role="heading" aria-level="3">{title}</span></div>
    <span class="clipped">Opens in a new window or tab</span></a>
   <div class="s-item__subtitle"><span class="SECONDARY_INFO">{condition}</span></div>
   <div class="s-item__details clearfix">
    <div class="s-item__detail s-item__detail--primary">
     <span class="s-item__price">{price}</span></div>
    {details}
   </div>
  </div>
 </div>
</li>"""


def _page(*cards: str, tail: str = "") -> bytes:
    return f"""<!DOCTYPE html><html lang="en"><head><title>iphone 12 | eBay</title></head><body>
<div class="srp-controls__count"><h1 class="srp-controls__count-heading">
 <span class="BOLD">1,234</span> results for <span class="BOLD">iphone 12</span></h1></div>
<div id="srp-river-results" class="srp-river-results clearfix">
<ul class="srp-results srp-list clearfix">{"".join(cards)}</ul></div>{tail}
</body></html>""".encode()


def _detail(cls: str, text: str) -> str:
    return (
        f'<div class="s-item__detail s-item__detail--primary"><span class="{cls}">{text}</span>'
        + "</div>"
    )


LEGACY = _page(
    PLACEHOLDER,
    _legacy(
        "266283479397",
        title='<span class="LIGHT_HIGHLIGHT">New Listing</span>Apple iPhone 12  64GB Black',
        details=_detail("s-item__shipping s-item__logisticsCost", "+$5.99 shipping")
        + _detail("s-item__location s-item__itemLocation", "from China")
        + '<span class="s-item__seller-info-text">gadgetdeals (12,345) 99.8%</span>',
    ),
    _legacy(
        "305112233445",
        title="iPhone 12 Pro 128GB Pacific Blue - AUCTION",
        price="$310.00",
        condition="Parts Only",
        details=_detail("s-item__bids s-item__bidCount", "14 bids")
        + '<div class="s-item__detail"><span class="s-item__time"><span class="s-item__time-left">'
        '1d 3h left</span> <span class="s-item__time-end">(Sun, 10:15 PM)</span></span></div>'
        + _detail("s-item__shipping s-item__logisticsCost", "Free shipping"),
    ),
    _legacy(
        "134412345678",
        title="iPhone 12 Silicone Case MagSafe - Choose Color",
        price='$10.00<span class="DEFAULT"> to </span>$20.00',
        condition="Brand New",
        details=_detail("s-item__purchase-options s-item__purchaseOptions", "or Best Offer"),
    ),
    tail=NEXT.format(PAGE_2),
)


def test_legacy_cards_become_records_without_the_placeholder() -> None:
    records, problems = ebay.parse_with_problems(LEGACY, URL)
    assert problems == []
    assert [r["listing_id"] for r in records] == ["266283479397", "305112233445", "134412345678"]
    for record in records:
        assert tuple(record) == RECORD_FIELDS
        assert record["source"] == "ebay" and record["status"] == "active"
        assert record["currency"] == "USD"
    first = records[0]
    assert first["url"] == "https://www.ebay.com/itm/266283479397"  # tracking query dropped
    assert first["title"] == "Apple iPhone 12 64GB Black"  # "New Listing" badge dropped
    assert (first["price"], first["shipping_price"]) == (199.99, 5.99)
    assert (first["condition"], first["condition_raw"]) == ("good", "Pre-Owned")
    assert (first["location"], first["seller_id"]) == ("China", "gadgetdeals")
    assert first["image_url"] == IMG.format("266283479397")
    assert first["attributes"] == {}


def test_legacy_auction_and_price_range() -> None:
    records = {r["listing_id"]: r for r in ebay.parse(LEGACY, URL)}
    auction = records["305112233445"]
    assert auction["attributes"] == {"bid_count": 14, "time_left": "1d 3h"}
    assert (auction["price"], auction["shipping_price"]) == (310.0, 0.0)
    assert auction["condition"] == "for_parts"
    ranged = records["134412345678"]
    assert ranged["price"] == 10.0 and ranged["condition"] == "new"
    assert ranged["attributes"] == {"price_range": [10.0, 20.0], "best_offer": True}
    assert ranged["shipping_price"] is None  # not stated on the card


def test_legacy_sold_page() -> None:
    page = _page(
        PLACEHOLDER,
        _legacy(
            "256001", price='<span class="POSITIVE">$150.00</span>', caption="Sold  Nov 3, 2025"
        ),
        _legacy("256002", caption="Ended  Oct 30, 2025"),
    )
    sold, ended = ebay.parse(page, URL)
    assert (sold["status"], sold["price"]) == ("sold", 150.0)
    assert sold["attributes"]["sold_date"] == "2025-11-03"
    assert (ended["status"], ended["attributes"]["ended_date"]) == ("ended", "2025-10-30")


def _card(item_id: str, title: str, price: str, rows: list[str], caption: str = "") -> str:
    row_html = "".join(
        f'<div class="s-card__attribute-row"><span class="su-styled-text secondary large">{row}'
        "</span></div>"
        for row in rows
    )
    caption_html = (
        f'<div class="s-card__caption"><span class="su-styled-text positive default">{caption}'
        "</span></div>"
        if caption
        else ""
    )
    href = f"https://www.ebay.com/itm/{item_id}?_skw=iphone+12&amp;hash=item3b"
    return f"""
<li id="item{item_id}" data-listingid="{item_id}" class="s-card s-card--horizontal">
 <div class="su-card-container su-card-container--horizontal">
  <div class="su-card-container__media"><div class="su-media su-media--image">
   <a class="su-link" href="{href}" tabindex="-1">
    <img class="s-card__image" src="{IMG.format(item_id)}" alt="{title}"></a></div></div>
  <div class="su-card-container__content">
   <div class="su-card-container__header">{caption_html}
    <a class="su-link" href="{href}"><div role="heading" aria-level="3" class="s-card__title">
     <span class="su-styled-text primary default">{title}</span>
     <span class="clipped">Opens in a new window or tab</span></div></a>
    <div class="s-card__subtitle-row"><div class="s-card__subtitle">
     <span class="su-styled-text secondary default">Pre-Owned · Apple iPhone 12</span></div></div>
   </div>
   <div class="su-card-container__attributes"><div class="su-card-container__attributes__primary">
    <div class="s-card__attribute-row">
     <span class="su-styled-text primary bold large-1 s-card__price">{price}</span></div>
    {row_html}
   </div></div>
  </div>
 </div>
</li>"""


CARDS = _page(
    '<li class="s-card" data-listingid="123456"><div class="s-card__title">Shop on eBay</div>'
    '<span class="s-card__price">$20.00</span></li>',
    _card(
        "256789012345",
        "Apple iPhone 12 64GB Unlocked",
        "$229.99",
        ["or Best Offer", "+$7.95 delivery", "Located in United States"],
    ),
    _card(
        "256789012346", "iPhone 12 mini 64GB", "$95.00", ["12 bids · 1d 4h left (Sun, 10:15 PM)"]
    ),
    _card(
        "256789012347", "iPhone 12 128GB Red", "$180.00", ["Free delivery"], "Sold  Oct 12, 2025"
    ),
    '<li class="s-card"><a class="su-link" href="https://www.ebay.com/b/Apple-iPhone/9355">'
    '<div class="s-card__title">Shop Apple iPhones</div></a></li>',
    tail=NEXT.format(PAGE_2),
)


def test_2025_card_layout() -> None:
    records, problems = ebay.parse_with_problems(CARDS, URL)
    assert problems == []
    assert [r["listing_id"] for r in records] == ["256789012345", "256789012346", "256789012347"]
    fixed, auction, sold = records
    assert tuple(fixed) == RECORD_FIELDS
    assert fixed["url"] == "https://www.ebay.com/itm/256789012345"
    assert fixed["title"] == "Apple iPhone 12 64GB Unlocked"
    assert (fixed["price"], fixed["currency"], fixed["shipping_price"]) == (229.99, "USD", 7.95)
    assert (fixed["condition"], fixed["condition_raw"]) == ("good", "Pre-Owned")
    assert (fixed["location"], fixed["image_url"]) == ("United States", IMG.format("256789012345"))
    assert fixed["attributes"] == {"best_offer": True}
    assert auction["attributes"] == {"bid_count": 12, "time_left": "1d 4h"}
    assert (sold["status"], sold["price"], sold["shipping_price"]) == ("sold", 180.0, 0.0)
    assert sold["attributes"]["sold_date"] == "2025-10-12"


@pytest.mark.parametrize(
    ("host", "price", "expected"),
    [
        ("www.ebay.com", "$12.00", (12.0, "USD")),
        ("www.ebay.ca", "US $12.00", (12.0, "USD")),
        ("www.ebay.ca", "C $1,299.00", (1299.0, "CAD")),
        ("www.ebay.com.au", "AU $12.00", (12.0, "AUD")),
        ("www.ebay.co.uk", "£12.50", (12.5, "GBP")),
        ("www.ebay.co.uk", "GBP 12.50", (12.5, "GBP")),
        ("www.ebay.de", "EUR 1.250,00", (1250.0, "EUR")),
        ("www.ebay.fr", "12,50 €", (12.5, "EUR")),
    ],
)
def test_currency_comes_from_the_price_text(host: str, price: str, expected: tuple) -> None:
    record = ebay.parse(_page(_legacy("999", price=price)), f"https://{host}/sch/i.html?_nkw=x")[0]
    assert (record["price"], record["currency"]) == expected


def test_bare_dollar_off_ebay_com_is_not_guessed() -> None:
    page = _page(_legacy("1", price="$12.00"), _legacy("2", price="C $12.00"))
    records, problems = ebay.parse_with_problems(page, "https://www.ebay.ca/sch/i.html?_nkw=x")
    assert [r["listing_id"] for r in records] == ["2"]
    assert len(problems) == 1 and "(1)" in problems[0] and "currency" in problems[0]


def test_one_broken_card_does_not_lose_the_others() -> None:
    page = _page(_legacy("1"), _legacy("2", title=" "), _legacy("3", price="see price"))
    records, problems = ebay.parse_with_problems(page, URL)
    assert [r["listing_id"] for r in records] == ["1"]
    assert len(problems) == 2 and "(2)" in problems[0] and "(3)" in problems[1]


def test_no_exact_matches_page_is_empty() -> None:
    page = _page(
        PLACEHOLDER,
        '<li class="srp-river-answer srp-river-answer--REWRITE_START"><div>'
        '<h3 class="section-notice__title">Results matching fewer words</h3></div></li>',
        _legacy("266000000001"),
    ).replace(
        b'<ul class="srp-results',
        b'<div class="srp-save-null-search"><h3 class="srp-save-null-search__heading">'
        b'No exact matches found</h3></div><ul class="srp-results',
    )
    assert ebay.parse_with_problems(page, URL) == ([], [])
    assert ebay.next_page(page, URL) is None
    bare = b"<html><body><h3>No exact matches found</h3></body></html>"
    assert ebay.parse(bare, URL) == []


def test_next_page() -> None:
    expected = "https://www.ebay.com/sch/i.html?_nkw=iphone+12&_sacat=0&_pgn=2"
    assert ebay.next_page(LEGACY, URL) == expected
    assert ebay.next_page(CARDS, URL) == expected
    last = _page(_legacy("1"), tail='<a class="pagination__next" aria-disabled="true" href="#">')
    assert ebay.next_page(last, URL) is None


@pytest.mark.parametrize(
    "page",
    [
        b"<html><head><title>Pardon Our Interruption...</title></head><body>"
        b"<p>As you were browsing something about your browser made us think you were a bot.</p>"
        b"</body></html>",
        b"<html><head><title>Security Measure</title></head><body><h1>Please verify yourself "
        b'to continue</h1><form action="/splashui/captcha_submit"></form></body></html>',
    ],
)
def test_captcha_pages_are_blocked(page: bytes) -> None:
    with pytest.raises(BlockedPageError):
        ebay.parse(page, URL)
    with pytest.raises(BlockedPageError):
        ebay.next_page(page, URL)


def test_malformed_page_raises_parse_error_naming_the_url() -> None:
    for page in (b"", b"<html><body><p>Something went wrong</p></body></html>", LEGACY[:150]):
        with pytest.raises(ParseError, match="www.ebay.com") as caught:
            ebay.parse(page, URL)
        assert not isinstance(caught.value, BlockedPageError)


def test_page_cut_inside_the_cards_keeps_cards_but_reports_it() -> None:
    cut = LEGACY[: LEGACY.index(b'id="item134412345678"')]
    records, problems = ebay.parse_with_problems(cut, URL)
    assert [r["listing_id"] for r in records] == ["266283479397", "305112233445"]
    assert any("truncated" in p for p in problems)


# The real 2026 s-card page and the five page states (arb_pipeline.sources.pages).

SCARD = "ebay_html/search_rtx3080_scard_2026.html.gz"
SCARD_URL = "https://www.ebay.com/sch/i.html?_nkw=rtx+3080"


def test_real_scard_page_reads_the_same_with_and_without_its_url(shared_fixtures: Path) -> None:
    bare = check_expected_with_and_without_url(shared_fixtures, "ebay", SCARD, SCARD_URL)
    assert (bare.state, len(bare.records), bare.problems) == ("results", 60, [])
    records = bare.records
    assert {r["currency"] for r in records} == {"USD"}
    assert all(r["url"].startswith("https://www.ebay.com/itm/") for r in records)
    assert not any("New Listing" in r["title"] or "Opens in" in r["title"] for r in records)
    assert sum("bid_count" in r["attributes"] for r in records) == 5  # the auctions
    assert sum(r["attributes"].get("best_offer", False) for r in records) == 25
    was = {r["listing_id"]: (r["price"], r["attributes"].get("was_price")) for r in records}
    assert was["407152433069"] == (337.27, 374.75)  # struck-through $374.75 is not the price


def _read(body: bytes, url: str = URL) -> PageResult:
    return read_page(ebay, body, url)


def _scard_page(*cards: str, canonical: str = "", head: str = "") -> bytes:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return _page(*cards).replace(b"<head>", f"<head>{link}{head}".encode())


def test_site_and_currency_come_from_the_page_without_a_url() -> None:
    file_url = "file:///tmp/saved.html"
    uk = _scard_page(
        _card("1001", "Phone", "$229.99", ["+$7.95 postage"]),
        canonical="https://www.ebay.co.uk/sch/i.html?_nkw=x",
    ).replace(b"$229.99", "£229.99".encode())
    record = ebay.parse(uk, file_url)[0]
    assert (record["price"], record["currency"], record["shipping_price"]) == (229.99, "GBP", 7.95)
    relative = _scard_page(
        _card("1002", "Phone", "EUR 1.250,00", []).replace("https://www.ebay.com/itm/", "/itm/"),
        head='<meta property="og:url" content="https://www.ebay.de/sch/i.html?_nkw=x">',
    )
    record = ebay.parse(relative, file_url)[0]
    assert (record["url"], record["price"], record["currency"]) == (
        "https://www.ebay.de/itm/1002",
        1250.0,
        "EUR",
    )
    us = _scard_page(_card("1003", "Phone", "$12.00", []), canonical=SCARD_URL)
    assert ebay.parse(us, file_url)[0]["currency"] == "USD"
    cad = _scard_page(_card("1004", "Phone", "C $12.00", []), canonical="https://www.ebay.ca/")
    assert ebay.parse(cad, file_url)[0]["currency"] == "CAD"


SOLD = _page(
    _card(
        "401",
        "<span class='s-card__new-listing'>New Listing</span>RTX 3080 FE",
        "$300.00",
        ["Best offer accepted", "+$12.00 delivery", "Located in United States"],
        "Sold  Nov 3, 2025",
    ),
    _card("402", "RTX 3080 TUF", "$350.00", ["Buy It Now", "Free delivery"], "Sold  Oct 30, 2025"),
    _legacy(
        "403",
        price='<span class="STRIKETHROUGH POSITIVE ITALIC">$280.00</span>',
        caption="Sold  Oct 2, 2025",
        details='<span class="s-item__formatBestOfferAccepted">Best offer accepted</span>',
    ),
)


def test_sold_page_flags_best_offer_accepted_prices() -> None:
    page = _read(SOLD)
    assert (page.state, page.problems) == ("results", [])
    offer, plain, legacy = page.records
    assert offer["title"] == "RTX 3080 FE"
    assert (offer["status"], offer["price"], offer["shipping_price"]) == ("sold", 300.0, 12.0)
    assert offer["attributes"]["best_offer_accepted"] is True
    assert offer["attributes"]["sold_date"] == "2025-11-03"
    assert "best_offer_accepted" not in plain["attributes"]
    assert (plain["status"], plain["price"]) == ("sold", 350.0)
    # the older layout strikes the listed price through: still the price, not a was-price
    assert (legacy["price"], legacy["status"]) == (280.0, "sold")
    assert legacy["attributes"]["best_offer_accepted"] is True
    assert "was_price" not in legacy["attributes"]


def test_was_price_and_hidden_placeholders_outside_the_results() -> None:
    hidden = (
        '<div class="s-clipped"><li class="s-card" data-listingid="2500219655424533">'
        '<a class="su-link" href="https://ebay.com/itm/123456"></a></li></div>'
    )
    struck = '$337.27</span><span class="su-styled-text secondary strikethrough large">$374.75'
    page = _read(
        _page(_card("501", "GPU", struck, ["Buy It Now"])).replace(
            b"<body>", f"<body>{hidden}".encode()
        )
    )
    assert (page.state, page.problems) == ("results", [])
    (record,) = page.records
    assert (record["price"], record["attributes"]["was_price"]) == (337.27, 374.75)


def test_list_view_layout_before_2019() -> None:
    card = """<li class="sresult lvresult clearfix li" listingid="252345678901" id="item3ac0">
     <div class="lvpic"><img src="https://i.ebayimg.com/thumbs/1.jpg"></div>
     <h3 class="lvtitle"><a href="https://www.ebay.com/itm/Apple-iPhone-6/252345678901?hash=x"
       class="vip">Apple iPhone 6 16GB</a></h3>
     <ul class="lvprices left space-zero"><li class="lvprice prc"><span class="bold">$99.00</span>
      </li><li class="lvformat"><span>7 bids</span></li>
      <li class="lvshipping"><span class="fee">+$8.50 shipping</span></li></ul></li>"""
    html = f"<html><body><ul id='ListViewInner'>{card}</ul></body></html>".encode()
    (record,) = _read(html).records
    assert (record["listing_id"], record["title"], record["price"]) == (
        "252345678901",
        "Apple iPhone 6 16GB",
        99.0,
    )
    assert record["url"] == "https://www.ebay.com/itm/Apple-iPhone-6/252345678901"
    assert (record["shipping_price"], record["attributes"]["bid_count"]) == (8.5, 7)


def test_no_exact_matches_is_empty_and_challenge_is_blocked() -> None:
    empty = _page().replace(
        b"<ul class",
        b'<div class="srp-save-null-search"><h3>No exact matches found</h3></div><ul class',
    )
    assert _read(empty).state == "empty"
    zero = b"<html><body><h1>0 results found for <b>qwxz</b></h1><ul class='srp-results'></ul>"
    assert _read(zero + b"</body></html>").state == "empty"
    challenge = (
        b"<html><head><title>Pardon Our Interruption...</title></head><body>"
        b'<script src="https://www.ebay.com/splashui/challenge/x.js"></script>'
        b"<p>As you were browsing something about your browser made us think you were a bot."
        b"</p></body></html>"
    )
    assert _read(challenge).state == "blocked"


def test_cards_in_an_unknown_markup_are_unrecognized_never_empty() -> None:
    unknown = "".join(
        f'<li class="x-card"><a href="https://www.ebay.com/itm/{n}"><div class="x-name">'
        f'Item {n}</div></a><div class="x-amount">$1{n}.00</div></li>'
        for n in (11, 12)
    )
    page = _read(_page(unknown))
    assert page.state == "unrecognized" and page.records == []
    assert len(page.problems) == 2 and "(11)" in page.problems[0]
    nothing = _read(_page('<li class="x-card"><a href="/b/Phones/9355">Phones</a></li>'))
    assert nothing.state == "unrecognized"


def test_best_offer_accepted_beside_the_price() -> None:
    price = '$310.00</span><span class="su-styled-text secondary">Best Offer accepted'
    (record,) = ebay.parse(_page(_card("404", "RTX 3080", price, [], "Sold  Nov 1, 2025")), URL)
    assert (record["price"], record["attributes"]["best_offer_accepted"]) == (310.0, True)
