"""Parser for eBay search result pages, legacy `li.s-item` and 2025 `li.s-card` layouts."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from arb_pipeline.sources.common import (
    ParseError,
    attribute,
    canonical_condition,
    first_attribute,
    html_results_page,
    make_record,
    normalise_title,
    parse_price,
    text_pieces_outside,
)
from arb_pipeline.sources.ebay_auth import CONDITION_IDS as EBAY_CONDITION_IDS
from arb_pipeline.sources.pages import PageMarkers
from arb_pipeline.sources.search_urls import (
    KM_PER_MILE,
    Marketplace,
    SearchOptions,
    SearchTerms,
    codes,
    query_of,
    whole,
)

SOURCE = "ebay"
_PLACEHOLDER_IDS = {"123456"}  # the hidden "Shop on eBay" card at the top of every page
_ITEM_ID = re.compile(r"/itm/(?:[^/?#]+/)?(\d+)")
_EBAY_BLOCK_MARKERS = ("please verify yourself", "security measure", "splashui/challenge")
_EMPTY_MARKERS = ("no exact matches found", "0 results found for")
_EBAY_CONDITIONS = {"pre-owned": "good", "parts only": "for_parts"}
_CURRENCIES = tuple(
    (re.compile(pattern), code)
    for pattern, code in (
        (r"\bUS\s?\$", "USD"),
        (r"\bC\s?\$", "CAD"),
        (r"\bAU\s?\$", "AUD"),
        (r"£|\bGBP\b", "GBP"),
        (r"€|\bEUR\b", "EUR"),
        (r"\b(?!US\b)([A-Z]{3})\b", None),  # any other ISO code written out, e.g. "PLN 120,00"
    )
)
_RANGE = re.compile(r"\s+(?:to|bis)\s+")
_STATUS = re.compile(r"(sold|ended)\s+(.*)", re.IGNORECASE)
_NOISE = re.compile(r"^New listing\s*|\s*Opens in a new window or tab\s*$", re.IGNORECASE)
_ROW = ".s-card__attribute-row"


PAGE_MARKERS = PageMarkers(
    expected="eBay result cards (li.s-card / li.s-item in ul.srp-results)",
    empty=_EMPTY_MARKERS,
    blocked=_EBAY_BLOCK_MARKERS,
)


def _hidden(node: LexborNode) -> bool:
    """Screen-reader ("Opens in a new window") and badge ("New listing") elements."""
    names = node.attributes.get("class") or ""
    return "clipped" in names or "LIGHT_HIGHLIGHT" in names


def _text(nodes: list[LexborNode] | LexborNode, card: LexborNode | None) -> str | None:
    """Whitespace-normalised text of the (first) node, without screen-reader and badge spans.

    `card` is the node's card when neither it nor an element around it is hidden, else None.
    """
    if isinstance(nodes, list):
        if not nodes:
            return None
        nodes = nodes[0]
    return normalise_title(" ".join(text_pieces_outside(nodes, _hidden, card))) or None


def _image(nodes: list[LexborNode]) -> str | None:
    if not nodes:
        return None
    image = nodes[0]
    return (
        attribute(image, "data-defer-load")
        or attribute(image, "data-src")
        or attribute(image, "src")
    )


def _legacy(card: LexborNode, shown: LexborNode | None) -> dict[str, Any]:
    """The raw fields of a legacy `li.s-item` card."""
    seller = _text(card.css(".s-item__seller-info-text"), shown)
    return {
        "href": first_attribute(card.css("a.s-item__link"), "href"),
        "title": _text(card.css(".s-item__title"), shown),
        "price": _text(card.css(".s-item__price"), shown),
        "condition": _text(card.css(".s-item__subtitle .SECONDARY_INFO, .SECONDARY_INFO"), shown),
        "shipping": _text(card.css(".s-item__shipping, .s-item__logisticsCost"), shown),
        "location": _text(card.css(".s-item__location, .s-item__itemLocation"), shown),
        "bids": _text(card.css(".s-item__bids, .s-item__bidCount"), shown),
        "time_left": _text(card.css(".s-item__time-left"), shown),
        "options": _text(
            card.css(".s-item__purchase-options, .s-item__formatBestOfferEnabled"), shown
        ),
        "caption": _text(
            card.css(".s-item__caption--signal, .s-item__caption, .s-item__title--tagblock"), shown
        ),
        "image": _image(card.css("img.s-item__image-img, .s-item__image img")),
        "seller": seller.split()[0] if seller else None,
    }


def _has_price(row: LexborNode) -> bool:
    """Whether an element inside the row has a class mentioning `s-card__price`."""
    return any(node.mem_id != row.mem_id for node in row.css("[class*=s-card__price]"))


_BIDS = re.compile(r"\d\s+bids?\b")
_LEFT = re.compile(r"\bleft\b")
_SHIPPING = re.compile(r"shipping|delivery|postage")
_LOCATION = re.compile(r"(located in|from)\s")
_SELLER = re.compile(r"(\S+)\s+[\d.]+%\s+positive")


def _card(card: LexborNode, shown: LexborNode | None) -> dict[str, Any]:
    """The raw fields of a 2025 `li.s-card` card; attribute rows are recognised by their words."""
    rows = [row for row in card.css(_ROW) if row.mem_id != card.mem_id]
    texts = [_text(row, shown) for row in rows]
    fields: dict[str, Any] = {
        "href": first_attribute(card.css("a.su-link, a.s-card__link"), "href"),
        "title": _text(card.css(".s-card__title"), shown),
        "price": next((t for row, t in zip(rows, texts, strict=True) if _has_price(row)), None),
        "condition": (_text(card.css(".s-card__subtitle"), shown) or "").split("·")[0].strip(),
        "caption": _text(card.css(".s-card__caption"), shown),
        "image": _image(card.css("img.s-card__image")),
    }
    for part in (p.strip() for text in texts for p in (text or "").split("·")):
        low = part.lower()
        if _BIDS.search(low):
            fields["bids"] = part
        elif _LEFT.search(low):
            fields["time_left"] = part
        elif _SHIPPING.search(low):
            fields["shipping"] = part
        elif _LOCATION.match(low):
            fields["location"] = part
        elif "best offer" in low or "buy it now" in low:
            fields["options"] = part
        elif seller := _SELLER.match(part):
            fields["seller"] = seller.group(1)
    return fields


def _currency(text: str, url: str) -> str:
    for pattern, code in _CURRENCIES:
        if found := pattern.search(text):
            return code or found.group(1)
    host = urlsplit(url).hostname or ""
    if "$" in text and (host == "ebay.com" or host.endswith(".ebay.com")):
        return "USD"
    raise ParseError(f"price {text!r} has no currency this parser can tell on {host or url}")


def _price(text: str | None, url: str) -> tuple[float | None, str | None, list[float] | None]:
    """Amount, currency and (for "$10.00 to $20.00") the range of a price text."""
    if not text:
        return None, None, None
    parts = _RANGE.split(text)
    amounts = [a for a in (parse_price(part) for part in parts) if a is not None]
    if len(amounts) != len(parts):
        raise ParseError(f"unreadable price {text!r}")
    price_range = [min(amounts), max(amounts)] if len(amounts) > 1 else None
    return min(amounts), _currency(text, url), price_range


def _shipping(text: str | None) -> float | None:
    if not text or "free" in text.lower():
        return 0.0 if text else None
    amount = re.search(r"\d[\d.,]*", text)
    return parse_price(amount.group()) if amount else None


def _status(caption: str | None) -> tuple[str, dict[str, Any]]:
    """`sold`/`ended` with its date from a "Sold  Nov 3, 2025" caption, else `active`."""
    found = _STATUS.match(caption or "")
    if not found:
        return "active", {}
    status = found.group(1).lower()
    try:
        day = datetime.strptime(found.group(2).strip(), "%b %d, %Y").date().isoformat()
    except ValueError:
        day = None
    return status, {f"{status}_date": day, "status_raw": caption}


def _record(fields: dict[str, Any], listing_id: str, url: str) -> dict[str, Any]:
    price, currency, price_range = _price(fields.get("price"), url)
    status, status_attributes = _status(fields.get("caption"))
    bids = re.search(r"\d[\d,]*", fields.get("bids") or "")
    options = (fields.get("options") or "").lower()
    condition_raw = fields.get("condition") or None
    condition = _EBAY_CONDITIONS.get((condition_raw or "").lower())
    parts = urlsplit(urljoin(url, fields["href"]))
    attributes = {
        "price_range": price_range,
        "bid_count": int(bids.group().replace(",", "")) if bids else None,
        "time_left": re.sub(r"\s*left\b.*", "", fields.get("time_left") or "") or None,
        "best_offer": True if "best offer" in options else None,
        "buy_it_now": True if "buy it now" in options else None,
        **status_attributes,
    }
    location = re.sub(r"^(located in|from)\s+", "", fields.get("location") or "", flags=re.I)
    return make_record(
        source=SOURCE,
        listing_id=listing_id,
        url=urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
        title=_NOISE.sub("", fields.get("title") or ""),
        price=price,
        currency=currency,
        shipping_price=_shipping(fields.get("shipping")),
        condition=condition or canonical_condition(condition_raw),
        condition_raw=condition_raw,
        location=location or None,
        seller_id=fields.get("seller"),
        image_url=fields.get("image"),
        status=status,
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def _page(body: bytes, url: str) -> LexborHTMLParser:
    return html_results_page(
        body,
        url,
        "li.s-item, li.s-card, ul.srp-results",
        _EBAY_BLOCK_MARKERS,
        _EMPTY_MARKERS,
        "no eBay search results (li.s-item / li.s-card) found",
    )


_FEWER_WORDS = "li[class*=srp-river-answer--REWRITE_START]"


def _inside_hidden(node: LexborNode | None) -> bool:
    """Whether the node is a hidden element or inside one."""
    while node is not None:
        if node.is_element_node and _hidden(node):
            return True
        node = node.parent
    return False


def _after_fewer_words(card: LexborNode) -> bool:
    """Whether the "Results matching fewer words" divider comes before the card in its list."""
    sibling = card.prev
    while sibling is not None:
        if sibling.tag == "li" and "srp-river-answer--REWRITE_START" in (
            sibling.attributes.get("class") or ""
        ):
            return True
        sibling = sibling.prev
    return False


def parse_with_problems(body: bytes, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse a search page into records (placeholders and fewer-words matches left out)."""
    records, problems, seen = [], [], set()
    page = _page(body, url)
    fewer_words = page.css_matches(_FEWER_WORDS)
    for index, card in enumerate(page.css("li.s-item, li.s-card")):
        if fewer_words and _after_fewer_words(card):
            break  # "Results matching fewer words": not matches for the query
        names = (card.attributes.get("class") or "").split()
        shown = None if _inside_hidden(card) else card
        fields = _legacy(card, shown) if "s-item" in names else _card(card, shown)
        found = _ITEM_ID.search(fields.get("href") or "")
        listing_id = attribute(card, "data-listingid") or (found.group(1) if found else None)
        if not listing_id or listing_id in _PLACEHOLDER_IDS or listing_id in seen:
            continue
        try:
            records.append(_record(fields, listing_id, url))
            seen.add(listing_id)
        except (ParseError, ValueError) as exc:
            problems.append(f"{url}: card {index} ({listing_id}) skipped: {exc}")
    if body and b"</html>" not in body[-2000:].lower():
        problems.append(f"{url}: page looks truncated (no closing </html>)")
    return records, problems


def parse(body: bytes, url: str) -> list[dict[str, Any]]:
    """Parse an eBay search result page into canonical records."""
    return parse_with_problems(body, url)[0]


def next_page(body: bytes, url: str) -> str | None:
    """The absolute URL of the `a.pagination__next` link, or None on the last page."""
    link = _page(body, url).css_first("a.pagination__next")
    href = (attribute(link, "href") or "").strip() if link is not None else ""
    if not href or href == "#" or attribute(link, "aria-disabled") == "true":
        return None
    return urljoin(url, href)


# Searching: where a saved search's crawl starts on this marketplace.
def search_urls(search: SearchTerms, base_url: str, options: SearchOptions) -> list[str]:
    """eBay search result pages: live listings, then sold ones (the comps)."""
    params = {"_nkw": query_of(search, "ebay"), "_sacat": "0", "_ipg": "240"}
    if search.price_min is not None:
        params["_udlo"] = whole(search.price_min)
    if search.price_max is not None:
        params["_udhi"] = whole(search.price_max)
    if search.conditions:
        ids = dict.fromkeys(codes(EBAY_CONDITION_IDS, search.conditions))
        params["LH_ItemCondition"] = "|".join(ids)
    if search.location:  # a postal code; eBay measures the distance in miles
        params["_stpos"] = search.location
        if search.radius_km:
            params["_sadis"] = str(math.ceil(search.radius_km / KM_PER_MILE))
    live = f"{base_url}/sch/i.html?{urlencode(params)}"
    return [live, f"{live}&LH_Sold=1&LH_Complete=1"]


MARKETPLACE = Marketplace(SOURCE, "https://www.ebay.com", search_urls)
