"""Parser for kleinanzeigen.de search result pages (`article.aditem` tiles)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode, urljoin
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from arb_pipeline.sources.common import (
    ParseError,
    attribute,
    first_attribute,
    html_results_page,
    make_record,
    nodes_text,
    normalise_title,
    own_text_pieces,
)
from arb_pipeline.sources.pages import PageMarkers
from arb_pipeline.sources.search_urls import Marketplace, SearchOptions, SearchTerms, query_of

SOURCE = "kleinanzeigen"
BERLIN = ZoneInfo("Europe/Berlin")
_KA_BLOCK_MARKERS = (
    "zugriff verweigert",
    "ungewöhnliche aktivitäten",
    "kein roboter",
    "sicherheitsabfrage",
)
_EMPTY_MARKERS = ("keine ergebnisse", "keine anzeigen gefunden")
_PRICE = ".aditem-main--middle--price-shipping--price, .aditem-main--middle--price"
_SHIPPING = ".aditem-main--middle--price-shipping--shipping"
_DATE = re.compile(r"(heute|gestern|\d{1,2}\.\d{1,2}\.\d{4})(?:,\s*(\d{1,2}):(\d{2}))?", re.I)


PAGE_MARKERS = PageMarkers(
    expected="kleinanzeigen ad cards (article.aditem with data-adid)",
    empty=_EMPTY_MARKERS,
    blocked=_KA_BLOCK_MARKERS,
)


def _text(node: LexborNode, css: str) -> str | None:
    found = node.css_first(css)
    return nodes_text([found]) if found is not None else None


def _euro(text: str | None) -> tuple[float | None, bool, bool]:
    """Amount of a German price text ("1.250 € VB", "12,50 €"), negotiable, free."""
    low = (text or "").lower()
    if "verschenken" in low:
        return 0.0, False, True
    amount = re.search(r"\d[\d.]*(?:,\d+)?", low)
    value = float(amount.group().replace(".", "").replace(",", ".")) if amount else None
    if value is not None and "€" not in low and "eur" not in low:
        raise ParseError(f"price {text!r} has no € sign")
    return value, bool(re.search(r"\bvb\b", low)), False


def _listed_at(text: str | None, now: datetime) -> datetime | None:
    """'Heute, 10:15', 'Gestern, 18:00' or '12.11.2025' (Berlin time) as UTC."""
    found = _DATE.search(text or "")
    if not found:
        return None
    word, hour, minute = found.group(1).lower(), found.group(2), found.group(3)
    today = now.astimezone(BERLIN).date()
    if word in ("heute", "gestern"):
        day = today - timedelta(days=word == "gestern")
    else:
        day = datetime.strptime(word, "%d.%m.%Y").date()
    clock = time(int(hour), int(minute)) if hour else time(0, 0)
    return datetime.combine(day, clock, tzinfo=BERLIN).astimezone(UTC)


def _top_ad(item: LexborNode) -> bool:
    """Whether the ad sits in a `li.is-topad` (a paid top ad)."""
    node = item.parent
    while node is not None:
        if node.tag == "li" and "is-topad" in (node.attributes.get("class") or ""):
            return True
        node = node.parent
    return False


def _item(item: LexborNode, url: str, now: datetime) -> dict[str, Any]:
    href = attribute(item, "data-href") or first_attribute(item.css(".text-module-begin a"), "href")
    if not href:
        raise ParseError("no data-href link")
    price_text = _text(item, _PRICE)
    price, negotiable, free = _euro(price_text)
    where = _text(item, ".aditem-main--top--left") or ""
    zip_code = re.match(r"(\d{5})\s+", where)
    distance = re.search(r"\(\s*(\d+)\s*km\s*\)", where)
    location = re.sub(r"\s*\(\s*\d+\s*km\s*\)", "", where).strip()
    tags = [normalise_title(t) for t in own_text_pieces(item.css(f"{_SHIPPING}, .simpletag"))]
    date_text = _text(item, ".aditem-main--top--right")
    image = item.css_first(".aditem-image img")
    attributes = {
        "negotiable": negotiable or None,
        "free": free or None,
        "shipping_possible": True if "Versand möglich" in tags else None,
        "direct_buy": True if "Direkt kaufen" in tags else None,
        "top_ad": True if _top_ad(item) else None,
        "zip_code": zip_code.group(1) if zip_code else None,
        "distance_km": int(distance.group(1)) if distance else None,
        "listed_raw": date_text,
        "description": _text(item, ".aditem-main--middle--description"),
        "currency_inferred_from": "host" if free else None,
    }
    return make_record(
        source=SOURCE,
        listing_id=attribute(item, "data-adid"),
        url=urljoin(url, href),
        title=_text(item, ".text-module-begin a") or _text(item, ".text-module-begin"),
        price=price,
        currency="EUR" if price is not None else None,
        condition="unknown",
        location=location or None,
        image_url=(attribute(image, "src") or attribute(image, "data-imgsrc"))
        if image is not None
        else None,
        listed_at=_listed_at(date_text, now),
        status="active",
        scraped_at=now,
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def _page(body: bytes, url: str) -> LexborHTMLParser:
    return html_results_page(
        body,
        url,
        "article.aditem, #srchrslt-adtable",
        _KA_BLOCK_MARKERS,
        _EMPTY_MARKERS,
        "no kleinanzeigen result list (article.aditem) found",
    )


def parse_with_problems(
    body: bytes, url: str, *, now: datetime | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse a search page into records (one per data-adid) plus one message per skipped ad."""
    now = now or datetime.now(UTC)
    records, problems, seen = [], [], set()
    for index, item in enumerate(_page(body, url).css("article.aditem")):
        adid = attribute(item, "data-adid")
        if adid in seen:
            continue
        try:
            if not adid:
                raise ParseError("no data-adid")
            records.append(_item(item, url, now))
            seen.add(adid)
        except (ParseError, ValueError) as exc:
            problems.append(f"{url}: ad {index} ({adid or 'no adid'}) skipped: {exc}")
    if body and b"</html>" not in body[-2000:].lower():
        problems.append(f"{url}: page looks truncated (no closing </html>)")
    return records, problems


def parse(body: bytes, url: str, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Parse a kleinanzeigen.de search result page into canonical records."""
    return parse_with_problems(body, url, now=now)[0]


def next_page(body: bytes, url: str) -> str | None:
    """The absolute URL of the `a.pagination-next` link, or None on the last page."""
    href = first_attribute(_page(body, url).css("a.pagination-next"), "href")
    return urljoin(url, href) if href and href.strip() else None


# Searching: where a saved search's crawl starts on this marketplace.
KLEINANZEIGEN_RADII_KM = (5, 10, 20, 30, 50, 100, 150, 200)


def search_urls(search: SearchTerms, base_url: str, options: SearchOptions) -> list[str]:
    """The search form's URL (Kleinanzeigen redirects it to its result pages)."""
    params = {"keywords": query_of(search, "kleinanzeigen"), "action": "find", "pageNum": "1"}
    if search.location:
        params["locationStr"] = search.location
        if search.radius_km:
            radius = next((r for r in KLEINANZEIGEN_RADII_KM if r >= search.radius_km), 200)
            params["radius"] = str(radius)
    if search.price_min is not None:
        params["minPrice"] = str(math.floor(search.price_min))
    if search.price_max is not None:
        params["maxPrice"] = str(math.ceil(search.price_max))
    return [f"{base_url}/s-suchanfrage.html?{urlencode(params)}"]


MARKETPLACE = Marketplace(SOURCE, "https://www.kleinanzeigen.de", search_urls)
