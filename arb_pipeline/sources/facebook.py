"""Parser for the RENDERED Facebook Marketplace search page (the browser DOM after JS ran).

Marketplace renders its results with JavaScript, so the fetched HTML alone holds no listings:
crawl it with `CrawlSettings(render_js=True)`. Each result is an item link
(`a[href*="/marketplace/item/<id>/"]`) holding an image, the price (sometimes followed by a
struck-through old price), the title and the location, in that order; class names are
obfuscated, so the parser reads the order of the texts, not classes.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import quote, urlencode, urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from arb_pipeline.sources.common import (
    BlockedPageError,
    ParseError,
    attribute,
    first_attribute,
    html_tree,
    make_record,
    normalise_title,
    parse_price,
    text_pieces,
    text_pieces_outside,
)
from arb_pipeline.sources.pages import PageMarkers, raise_if_blocked
from arb_pipeline.sources.search_urls import (
    Marketplace,
    SearchOptions,
    SearchTerms,
    codes,
    query_of,
)

SOURCE = "facebook"
ITEM_SELECTOR = 'a[href*="/marketplace/item/"]'  # what the crawler waits for after rendering
_ITEM_ID = re.compile(r"/marketplace/item/(\d+)")
_MONEY = re.compile(r"(?P<pre>[^\d\s.,]*)\s*(?P<amount>\d[\d.,\s]*?)\s*(?P<post>[^\d\s.,]*)")
_SYMBOLS = {
    "$": "USD",
    "US$": "USD",
    "CA$": "CAD",
    "C$": "CAD",
    "A$": "AUD",
    "AU$": "AUD",
    "NZ$": "NZD",
    "£": "GBP",
    "€": "EUR",
    "zł": "PLN",
    "₹": "INR",
    "CHF": "CHF",
}
_FREE = ("free", "gratis", "kostenlos", "gratuit", "za darmo")
_LOGIN_MARKERS = ("log in to facebook", "you must log in to continue")
_NO_RESULTS = ("no listings found", "no results found", "we didn't find any results")
# a rendered item page of a sold or deleted listing
_REMOVED = ("this listing is no longer available", "this item is no longer available")
_INVISIBLE = frozenset({"script", "style", "noscript"})


PAGE_MARKERS = PageMarkers(
    expected="Marketplace item links (a[href*='/marketplace/item/']) on a rendered page",
    empty=_NO_RESULTS,
    removed=_REMOVED,
    blocked=_LOGIN_MARKERS,
    render_js=True,
)


def _invisible(node: LexborNode) -> bool:
    return node.tag in _INVISIBLE


def _texts(node: LexborNode) -> list[str]:
    """The non-empty visible text pieces of a node, in document order."""
    pieces = (normalise_title(text) for text in text_pieces([node]))
    return [piece for piece in pieces if piece]


def _money(text: str) -> tuple[float, str | None] | None:
    """(amount, currency or None for an unknown symbol) of a bare price text, else None."""
    found = _MONEY.fullmatch(text.replace("\u00a0", " ").strip())
    if not found or bool(found["pre"]) == bool(found["post"]):
        return None
    amount = parse_price(found["amount"].replace(" ", ""))
    return None if amount is None else (amount, _SYMBOLS.get(found["pre"] or found["post"]))


def _item(link: LexborNode, listing_id: str, url: str) -> dict[str, Any]:
    texts = _texts(link)
    if not texts:
        raise ParseError("item link without text")
    price_text, rest = texts[0], texts[1:]
    if price_text.lower() in _FREE:
        price, currency = 0.0, None
    elif money := _money(price_text):
        price, currency = money
        if currency is None:
            raise ParseError(f"unknown currency symbol in price {price_text!r}")
    else:
        raise ParseError(f"no price in the first text {price_text!r}")
    old = _money(rest[0]) if rest else None
    if old and old[1]:
        rest = rest[1:]
    attributes = {"original_price": old[0] if old and old[1] else None, "details": rest[2:] or None}
    return make_record(
        source=SOURCE,
        listing_id=listing_id,
        url=urljoin(url, f"/marketplace/item/{listing_id}/"),
        title=rest[0] if rest else None,
        price=price,
        currency=currency,
        condition="unknown",
        location=rest[1] if len(rest) > 1 else None,
        image_url=urljoin(url, src) if (src := first_attribute(link.css("img"), "src")) else None,
        status="active",
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def _page(body: bytes, url: str) -> tuple[LexborHTMLParser, list[LexborNode]]:
    """The page and its item links; raises for a login wall, a block or an unrendered shell."""
    page = html_tree(body)
    links = page.css(ITEM_SELECTOR)
    if links:
        return page, links
    root = page.root
    visible = text_pieces_outside(root, _invisible) if root is not None else []
    text = normalise_title(" ".join(visible)).lower()
    if page.css_matches("form#login_form") or any(marker in text for marker in _LOGIN_MARKERS):
        raise BlockedPageError(f"{url}: blocked page (Facebook login wall)")
    if any(marker in text for marker in (*_NO_RESULTS, *_REMOVED)):
        return page, []
    try:
        raise_if_blocked(body, url)
    except BlockedPageError as exc:  # the unrendered shell is a script-only page too
        raise BlockedPageError(
            f"{exc}; the facebook parser needs a rendered page (CrawlSettings(render_js=True))"
        ) from exc
    raise ParseError(
        f"{url}: no Marketplace item links and no 'no results' text: this looks like the "
        "unrendered JavaScript shell; the facebook parser needs a rendered page "
        "(crawl with CrawlSettings(render_js=True))"
    )


def parse_with_problems(body: bytes, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse a rendered search page into one record per item id, plus skipped-item messages."""
    _, links = _page(body, url)
    by_id: dict[str, list[LexborNode]] = {}
    for link in links:
        if found := _ITEM_ID.search(attribute(link, "href") or ""):
            by_id.setdefault(found.group(1), []).append(link)
    records, problems = [], []
    for listing_id, copies in by_id.items():
        errors = []
        for link in copies:  # a card may repeat its link (image and text); the first good one
            try:
                records.append(_item(link, listing_id, url))
                break
            except (ParseError, ValueError) as exc:
                errors.append(str(exc))
        else:
            problems.append(f"{url}: item {listing_id} skipped: {errors[0]}")
    if records:
        currencies = {record["currency"] for record in records if record["currency"]}
        for record in records:  # "Free" has no symbol: take the page's one currency, if any
            if record["currency"] is None and len(currencies) == 1:
                record["currency"] = next(iter(currencies))
                record["attributes"]["currency_from"] = "page"
    return records, problems


def parse(body: bytes, url: str) -> list[dict[str, Any]]:
    """Parse a rendered Marketplace search page into canonical records."""
    return parse_with_problems(body, url)[0]


def next_page(body: bytes, url: str) -> str | None:
    """Always None (results load by infinite scroll, which the crawler does); checks the page."""
    _page(body, url)
    return None


# Searching: where a saved search's crawl starts on this marketplace.
FACEBOOK_CONDITIONS = {
    "new": ["new"],
    "like_new": ["used_like_new"],
    "good": ["used_good"],
    "fair": ["used_fair"],
}


def search_urls(search: SearchTerms, base_url: str, options: SearchOptions) -> list[str]:
    """Marketplace search in the search's city (its slug or id), else the account's own."""
    params = {"query": query_of(search, "facebook")}
    if search.price_min is not None:
        params["minPrice"] = str(math.floor(search.price_min))
    if search.price_max is not None:
        params["maxPrice"] = str(math.ceil(search.price_max))
    if conditions := codes(FACEBOOK_CONDITIONS, search.conditions):
        params["itemCondition"] = ",".join(conditions)
    place = f"/{quote(search.location.strip(), safe='')}" if search.location else ""
    return [f"{base_url}/marketplace{place}/search?{urlencode(params)}"]


MARKETPLACE = Marketplace(SOURCE, "https://www.facebook.com", search_urls, render_js=True)
