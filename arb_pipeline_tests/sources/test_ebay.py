"""eBay search page parser, on small hand-written pages in both layouts (no saved real page)."""

from __future__ import annotations

import pytest

from arb_pipeline.sources import ebay
from arb_pipeline.sources.common import RECORD_FIELDS, BlockedPageError, ParseError

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
