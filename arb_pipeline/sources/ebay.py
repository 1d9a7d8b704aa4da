"""Parser for eBay search result pages, legacy `li.s-item` and 2025 `li.s-card` layouts."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from parsel import Selector, SelectorList

from arb_pipeline.sources.common import (
    ParseError,
    canonical_condition,
    html_results_page,
    make_record,
    normalise_title,
    parse_price,
)

SOURCE = "ebay"
_PLACEHOLDER_IDS = {"123456"}  # the hidden "Shop on eBay" card at the top of every page
_ITEM_ID = re.compile(r"/itm/(?:[^/?#]+/)?(\d+)")
_EBAY_BLOCK_MARKERS = ("please verify yourself", "security measure", "splashui/challenge")
_EMPTY_MARKERS = ("no exact matches found", "0 results found for")
_EBAY_CONDITIONS = {"pre-owned": "good", "parts only": "for_parts"}
_CURRENCIES = (
    (r"\bUS\s?\$", "USD"),
    (r"\bC\s?\$", "CAD"),
    (r"\bAU\s?\$", "AUD"),
    (r"£|\bGBP\b", "GBP"),
    (r"€|\bEUR\b", "EUR"),
    (r"\b(?!US\b)([A-Z]{3})\b", None),  # any other ISO code written out, e.g. "PLN 120,00"
)
_NOISE = re.compile(r"^New listing\s*|\s*Opens in a new window or tab\s*$", re.IGNORECASE)
_ROW = ".//*[contains(concat(' ', @class, ' '), ' s-card__attribute-row ')]"
_SKIP_TEXT = (
    "[not(ancestor::*[contains(@class, 'clipped') or contains(@class, 'LIGHT_HIGHLIGHT')])]"
)


def _text(nodes: SelectorList[Selector] | Selector) -> str | None:
    """Whitespace-normalised text of the (first) node, without screen-reader and badge spans."""
    if isinstance(nodes, SelectorList):
        if not nodes:
            return None
        nodes = nodes[0]
    return normalise_title(" ".join(nodes.xpath(f".//text(){_SKIP_TEXT}").getall())) or None


def _image(nodes: SelectorList[Selector]) -> str | None:
    attrib = nodes[0].attrib if nodes else {}
    return attrib.get("data-defer-load") or attrib.get("data-src") or attrib.get("src")


def _legacy(card: Selector) -> dict[str, Any]:
    """The raw fields of a legacy `li.s-item` card."""
    seller = _text(card.css(".s-item__seller-info-text"))
    return {
        "href": card.css("a.s-item__link::attr(href)").get(),
        "title": _text(card.css(".s-item__title")),
        "price": _text(card.css(".s-item__price")),
        "condition": _text(card.css(".s-item__subtitle .SECONDARY_INFO, .SECONDARY_INFO")),
        "shipping": _text(card.css(".s-item__shipping, .s-item__logisticsCost")),
        "location": _text(card.css(".s-item__location, .s-item__itemLocation")),
        "bids": _text(card.css(".s-item__bids, .s-item__bidCount")),
        "time_left": _text(card.css(".s-item__time-left")),
        "options": _text(card.css(".s-item__purchase-options, .s-item__formatBestOfferEnabled")),
        "caption": _text(
            card.css(".s-item__caption--signal, .s-item__caption, .s-item__title--tagblock")
        ),
        "image": _image(card.css("img.s-item__image-img, .s-item__image img")),
        "seller": seller.split()[0] if seller else None,
    }


def _card(card: Selector) -> dict[str, Any]:
    """The raw fields of a 2025 `li.s-card` card; attribute rows are recognised by their words."""
    fields: dict[str, Any] = {
        "href": card.css("a.su-link::attr(href), a.s-card__link::attr(href)").get(),
        "title": _text(card.css(".s-card__title")),
        "price": _text(card.xpath(f"{_ROW}[.//*[contains(@class, 's-card__price')]]")),
        "condition": (_text(card.css(".s-card__subtitle")) or "").split("·")[0].strip(),
        "caption": _text(card.css(".s-card__caption")),
        "image": _image(card.css("img.s-card__image")),
    }
    rows = [_text(row) or "" for row in card.xpath(_ROW)]
    for part in (p.strip() for row in rows for p in row.split("·")):
        low = part.lower()
        if re.search(r"\d\s+bids?\b", low):
            fields["bids"] = part
        elif re.search(r"\bleft\b", low):
            fields["time_left"] = part
        elif re.search(r"shipping|delivery|postage", low):
            fields["shipping"] = part
        elif re.match(r"(located in|from)\s", low):
            fields["location"] = part
        elif "best offer" in low or "buy it now" in low:
            fields["options"] = part
        elif seller := re.match(r"(\S+)\s+[\d.]+%\s+positive", part):
            fields["seller"] = seller.group(1)
    return fields


def _currency(text: str, url: str) -> str:
    for pattern, code in _CURRENCIES:
        if found := re.search(pattern, text):
            return code or found.group(1)
    host = urlsplit(url).hostname or ""
    if "$" in text and (host == "ebay.com" or host.endswith(".ebay.com")):
        return "USD"
    raise ParseError(f"price {text!r} has no currency this parser can tell on {host or url}")


def _price(text: str | None, url: str) -> tuple[float | None, str | None, list[float] | None]:
    """Amount, currency and (for "$10.00 to $20.00") the range of a price text."""
    if not text:
        return None, None, None
    parts = re.split(r"\s+(?:to|bis)\s+", text)
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
    found = re.match(r"(sold|ended)\s+(.*)", caption or "", re.IGNORECASE)
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


def _page(body: bytes, url: str) -> Selector:
    return html_results_page(
        body,
        url,
        "li.s-item, li.s-card, ul.srp-results",
        _EBAY_BLOCK_MARKERS,
        _EMPTY_MARKERS,
        "no eBay search results (li.s-item / li.s-card) found",
    )


def parse_with_problems(body: bytes, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse a search page into records (placeholders and fewer-words matches left out)."""
    records, problems, seen = [], [], set()
    for index, card in enumerate(_page(body, url).css("li.s-item, li.s-card")):
        if card.xpath("preceding-sibling::li[contains(@class, 'srp-river-answer--REWRITE_START')]"):
            break  # "Results matching fewer words": not matches for the query
        fields = _legacy(card) if "s-item" in card.attrib.get("class", "").split() else _card(card)
        found = _ITEM_ID.search(fields.get("href") or "")
        listing_id = card.attrib.get("data-listingid") or (found.group(1) if found else None)
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
    link = _page(body, url).css("a.pagination__next")
    href = (link.attrib.get("href") or "").strip() if link else ""
    if not href or href == "#" or link.attrib.get("aria-disabled") == "true":
        return None
    return urljoin(url, href)
