"""Facebook Marketplace parser on rendered search pages (the DOM after JavaScript ran)."""

from __future__ import annotations

import pytest

from arb_pipeline.sources import facebook
from arb_pipeline.sources.common import BlockedPageError, ParseError
from arb_pipeline.sources.pages import read_page

URL = "https://www.facebook.com/marketplace/chicago/search?query=iphone"


def _card(item_id: str, *texts: str, old: str | None = None) -> str:
    """A result card shaped like Marketplace's rendered DOM (obfuscated classes, nested spans)."""
    price, *rest = texts
    strike = 'class="x1lliihq" style="text-decoration: line-through"'
    struck = f"<span {strike}>{old}</span>" if old else ""
    spans = "".join(
        f'<div class="x1iorvi4"><span dir="auto"><span>{t}</span></span></div>' for t in rest
    )
    return f"""
<div class="x9f619"><a class="x1i10hfl xjbqb8w" role="link" tabindex="0"
   href="/marketplace/item/{item_id}/?ref=search&amp;referral_code=null&amp;tracking=browse">
  <div class="x1n2onr6"><img class="xt7dq6l" alt="" src="https://scontent.xx.fbcdn.net/v/{item_id}.jpg"></div>
  <div class="x1gslohp"><span class="x193iq5w" dir="auto">{price}</span>{struck}</div>{spans}
</a></div>"""


def _page(*cards: str, extra: str = "") -> bytes:
    return f"""<!DOCTYPE html><html><head><title>Marketplace | Facebook</title>
<script>requireLazy(["TimeSliceImpl"], function(){{}});</script></head>
<body><div id="mount_0_0_ab"><div role="main">{"".join(cards)}{extra}</div></div></body></html>
""".encode()


SEARCH = _page(
    _card("1022334455667788", "$1,200", "Apple MacBook Pro 14 M1 Pro", "Chicago, IL"),
    _card("2033445566778899", "$350", "iPhone 13 128GB", "Evanston, IL", old="$400"),
    _card("3044556677889900", "Free", "Old desk - must pick up", "Oak Park, IL"),
    _card("4055667788990011", "$8,500", "2012 Honda Civic", "Joliet, IL", "120K miles"),
)


def test_rendered_search_page_gives_one_record_per_item() -> None:
    records, problems = facebook.parse_with_problems(SEARCH, URL)
    assert problems == []
    by_id = {record["listing_id"]: record for record in records}
    assert list(by_id) == [
        "1022334455667788",
        "2033445566778899",
        "3044556677889900",
        "4055667788990011",
    ]
    macbook = by_id["1022334455667788"]
    assert macbook["url"] == "https://www.facebook.com/marketplace/item/1022334455667788/"
    assert (macbook["title"], macbook["price"], macbook["currency"]) == (
        "Apple MacBook Pro 14 M1 Pro",
        1200.0,
        "USD",
    )
    assert macbook["location"] == "Chicago, IL"
    assert macbook["image_url"] == "https://scontent.xx.fbcdn.net/v/1022334455667788.jpg"
    assert macbook["status"] == "active" and macbook["condition"] == "unknown"
    iphone = by_id["2033445566778899"]
    assert (iphone["price"], iphone["attributes"]["original_price"]) == (350.0, 400.0)
    assert iphone["title"] == "iPhone 13 128GB"
    assert by_id["4055667788990011"]["attributes"]["details"] == ["120K miles"]


def test_free_item_is_priced_zero_in_the_pages_currency() -> None:
    free = facebook.parse(SEARCH, URL)[2]
    assert (free["price"], free["currency"]) == (0.0, "USD")
    assert free["attributes"]["currency_from"] == "page"


@pytest.mark.parametrize(
    ("price", "amount", "currency"),
    [
        ("£40", 40.0, "GBP"),
        ("€15", 15.0, "EUR"),
        ("1 200 zł", 1200.0, "PLN"),
        ("CA$90", 90.0, "CAD"),
    ],
)
def test_currency_comes_from_the_price_symbol(price: str, amount: float, currency: str) -> None:
    (record,) = facebook.parse(_page(_card("5", price, "Bike", "Leeds")), URL)
    assert (record["price"], record["currency"]) == (amount, currency)


def test_unknown_currency_symbol_skips_the_item_and_reports_it() -> None:
    body = _page(_card("6", "250 kr", "Sofa", "Malmö"), _card("7", "€20", "Lamp", "Berlin"))
    records, problems = facebook.parse_with_problems(body, URL)
    assert [record["listing_id"] for record in records] == ["7"]
    assert len(problems) == 1 and "item 6" in problems[0] and "250 kr" in problems[0]


def test_repeated_item_links_give_one_record() -> None:
    card = _card("8", "$99", "AirPods Pro", "Austin, TX")
    image_only = (
        '<a href="https://www.facebook.com/marketplace/item/8/?ref=feed"><img src="x.jpg"></a>'
    )
    records, problems = facebook.parse_with_problems(_page(image_only, card, card), URL)
    assert problems == []
    assert [(r["listing_id"], r["title"]) for r in records] == [("8", "AirPods Pro")]


def test_no_results_page_is_an_empty_result() -> None:
    body = _page(extra="<span>No listings found</span><span>Try a different search</span>")
    assert facebook.parse_with_problems(body, URL) == ([], [])


@pytest.mark.parametrize(
    "wall",
    [
        "<h2>You must log in to continue.</h2>",
        "<div><span>Log in to Facebook</span></div>",
        '<form id="login_form" action="/login/"><input name="email"><input name="pass"></form>',
    ],
)
def test_login_wall_is_blocked(wall: str) -> None:
    with pytest.raises(BlockedPageError, match="login wall"):
        facebook.parse_with_problems(_page(extra=wall), URL)
    with pytest.raises(BlockedPageError):
        facebook.next_page(_page(extra=wall), URL)


def test_unrendered_js_shell_asks_for_a_rendered_page() -> None:
    shell = b"""<!DOCTYPE html><html><head><script src="/rsrc.php/v3/y1/r/abc.js"></script>
<script>__d("MarketplaceSearch", [], function(){ /* No listings found */ });</script></head>
<body><div id="mount_0_0_ab"></div><noscript>No listings found</noscript></body></html>"""
    with pytest.raises(ParseError, match="rendered page"):
        facebook.parse_with_problems(shell, URL)


def test_next_page_is_none_because_results_scroll() -> None:
    assert facebook.next_page(SEARCH, URL) is None


@pytest.mark.parametrize(
    ("body", "state"),
    [
        (SEARCH, "results"),
        (_page(extra="<span>No listings found</span>"), "empty"),
        (_page(extra="<span>This listing is no longer available</span>"), "removed"),
        (_page(extra="<h2>You must log in to continue.</h2>"), "blocked"),
        # item links whose texts read as no listing: a changed layout, never a quiet market
        (_page(_card("11", "Apple iPhone 13", "Chicago, IL"), _card("12", "Desk")), "unrecognized"),
        (_page(extra="<div><p>" + "Marketplace " * 30 + "</p></div>"), "unrecognized"),
    ],
)
def test_page_states(body: bytes, state: str) -> None:
    chrome = (  # the menus around every rendered Marketplace page
        "<nav><span>Marketplace</span><span>Browse all</span><span>Notifications</span>"
        "<span>Inbox</span><span>Marketplace access</span><span>Buying</span><span>Selling"
        "</span><span>Create new listing</span><span>Location: Chicago, Illinois, within 40 mi"
        "</span><span>Filters</span><span>Sort by</span><span>Price</span><span>Date listed"
        "</span><span>Condition</span><span>Categories: Vehicles, Property rentals, Apparel,"
        " Classifieds, Electronics, Entertainment, Family</span></nav>"
    )
    body = body.replace(b'<div role="main">', b'<div role="main">' + chrome.encode())
    assert read_page(facebook, body, URL).state == state
