"""Parser for gumtree.pl search result pages (`div.tileV1` tiles) and ad detail pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from arb_pipeline.sources.common import (
    BlockedPageError,
    ParseError,
    first_attribute,
    html_tree,
    make_record,
    nodes_text,
    normalise_title,
    outermost,
    own_text_pieces,
    parse_price,
    raise_if_blocked,
    text_pieces,
    truncation_problems,
)
from arb_pipeline.sources.pages import PageMarkers
from arb_pipeline.sources.search_urls import (
    Marketplace,
    SearchOptions,
    SearchTerms,
    query_of,
    slug,
    whole,
)

SOURCE = "gumtree"
_SYMBOLS = (("zł", "PLN"), ("pln", "PLN"), ("£", "GBP"), ("gbp", "GBP"), ("€", "EUR"))
_DETAIL_NAMES = {
    "Do wynajęcia przez": "landlord",
    "Rodzaj nieruchomości": "property_type",
    "Liczba pokoi": "rooms",
    "Liczba łazienek": "bathrooms",
    "Wielkość (m2)": "size_m2",
    "Parking": "parking",
}


PAGE_MARKERS = PageMarkers(
    expected="gumtree ad tiles (div.tileV1) or an ad page (input#adId)",
    empty=("nie znaleziono ogłoszeń", "brak wyników", "no results found"),
    removed=(
        "ogłoszenie jest nieaktualne",
        "ogłoszenie zostało usunięte",
        "this ad is no longer available",
    ),
)


def _text(node: LexborNode | LexborHTMLParser, query: str) -> str | None:
    """The whitespace-normalised text under a CSS query (nested matches once), or None."""
    return nodes_text(outermost(node.css(query)))


def _id_from(href: str | None) -> str | None:
    match = re.search(r"/(\d+)/?(?:[?#].*)?$", href or "")
    return match.group(1) if match else None


def _date(text: str | None) -> datetime | None:
    """An absolute `dd/mm/yyyy` or `dd.mm.yyyy` date as UTC midnight; None for '3 godziny temu'."""
    match = re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{4})", (text or "").strip())
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    return datetime(year, month, day, tzinfo=UTC)


def _price(text: str | None) -> tuple[float | None, str | None]:
    """The amount and ISO currency of a price text; (None, None) for 'Proszę o kontakt'."""
    price = parse_price(text)
    if price is None:
        return None, None
    lowered = (text or "").lower()
    for symbol, code in _SYMBOLS:
        if symbol in lowered:
            return price, code
    raise ParseError(f"price {text!r} has no currency")


def _tile_id(tile: LexborNode) -> str | None:
    return first_attribute(tile.css("[data-adid]"), "data-adid") or _id_from(
        first_attribute(tile.css("a.tile-title-text"), "href")
    )


def _tile(tile: LexborNode, url: str, scraped_at: datetime) -> dict[str, Any]:
    links = tile.css("a.tile-title-text")
    href = first_attribute(links, "href")
    if not href:
        raise ParseError("no a.tile-title-text link")
    listing_id = first_attribute(tile.css("[data-adid]"), "data-adid") or _id_from(href)
    if not listing_id:
        raise ParseError(f"no ad id in {href!r}")
    price_text = _text(tile, ".price-text")
    price, currency = _price(price_text)
    category, _, location = (_text(tile, ".category-location") or "").rpartition(",")
    created = _text(tile, ".creation-date")
    images = tile.css("img")
    image = first_attribute(images, "data-src") or first_attribute(images, "src")
    photos = re.match(r"\d+", _text(tile, ".img-cnt") or "")
    details = [normalise_title(t) for t in text_pieces(tile.css(".attributes-container"))]
    attributes = {
        "short_id": first_attribute(tile.css("[data-short-id]"), "data-short-id"),
        "price_text": price_text if price is None else None,
        "created_text": created,
        "photo_count": int(photos.group()) if photos else None,
        "tile_attributes": [d for d in details if d] or None,
    }
    return make_record(
        source=SOURCE,
        listing_id=listing_id,
        url=urljoin(url, href),
        title=nodes_text(outermost(links)),
        price=price,
        currency=currency,
        condition="unknown",
        category_raw=category.strip() or None,
        location=location.strip() or None,
        image_url=image if image and not image.startswith("data:") else None,
        listed_at=_date(created),
        status="active",
        scraped_at=scraped_at,
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def _detail(page: LexborHTMLParser, url: str) -> dict[str, Any]:
    headers = page.css("div.vip-content-header")
    page_url = first_attribute(page.css('meta[property="og:url"]'), "content") or url
    listing_id = first_attribute(page.css("input#adId"), "value") or _id_from(page_url)
    if not listing_id:
        raise ParseError("no ad id (input#adId / og:url)")
    price_text = _headers_text(headers, ".price")
    price, currency = _price(price_text)
    fields = {}
    for row in page.css("div.vip-details .attribute"):
        name, value = _text(row, ".name"), _text(row, ".value")
        if name and value:
            fields[name] = value
    attributes: dict[str, Any] = {_DETAIL_NAMES.get(k, k): v for k, v in fields.items()}
    for key in ("Data dodania", "Lokalizacja"):
        attributes.pop(key, None)
    if "size_m2" in attributes:
        attributes["size_m2"] = parse_price(attributes["size_m2"])
    seller_link = first_attribute(page.css(".vip-seller .username a"), "href")
    seller = re.search(r"/v1u(\d+)p", seller_link or "")
    breadcrumb = (own_text_pieces(page.css(".breadcrumbs a.category .microdata")) or [""])[-1]
    description = "\n".join(
        normalise_title(t) for t in text_pieces(page.css("div.vip-details .description"))
    ).strip()
    attributes.update(
        price_text=price_text if price is None else None,
        short_id=first_attribute(page.css("[data-short-id]"), "data-short-id"),
        seller_since=_text(page, ".vip-seller .usersince"),
        description=description or None,
    )
    return make_record(
        source=SOURCE,
        listing_id=listing_id,
        url=urljoin(url, page_url),
        title=_headers_text(headers, "h1.item-title")
        or first_attribute(page.css('meta[property="og:title"]'), "content"),
        price=price,
        currency=currency,
        condition="unknown",
        category_raw=breadcrumb.split("|")[0].strip() or None,
        location=(fields.get("Lokalizacja") or "").replace(" ,", ",") or None,
        seller_id=seller.group(1) if seller else None,
        image_url=first_attribute(page.css('meta[property="og:image"]'), "content"),
        listed_at=_date(fields.get("Data dodania")),
        status="active",
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def _headers_text(headers: list[LexborNode], query: str) -> str | None:
    """`_text` over each of the headers in turn (a header's matches counted once)."""
    pieces = (node.text(separator=" ") for h in headers for node in outermost(h.css(query)))
    return normalise_title(" ".join(pieces)) or None


_DETAIL_MARKERS = "input#adId, div.vip-content-header h1.item-title"
_LOGIN_MARKERS = "input[type=password], form[action*=login]"
_SEARCH_MARKERS = 'body[class*="SearchPage"], div.results, div#pagination'


def _page(body: bytes, url: str) -> tuple[str, LexborHTMLParser]:
    """Which page this is ('search' or 'detail') and its tree; raises when it is neither."""
    page = html_tree(body)
    if page.css_matches(_DETAIL_MARKERS):
        return "detail", page
    if page.css_matches("div.tileV1"):
        return "search", page
    raise_if_blocked(body, url)
    if page.css_matches(_LOGIN_MARKERS):
        raise BlockedPageError(f"{url}: blocked page (login form)")
    if page.css_matches(_SEARCH_MARKERS):
        return "search", page
    raise ParseError(f"{url}: neither a gumtree search page (div.tileV1) nor an ad page (#adId)")


def parse_with_problems(body: bytes, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse a search or ad page into records (one per ad id) plus one message per skipped ad."""
    kind, page = _page(body, url)
    records, problems, seen = [], [], set()
    if kind == "detail":
        try:
            records.append(_detail(page, url))
        except (ParseError, ValueError) as exc:
            problems.append(f"{url}: ad skipped: {exc}")
    featured_ids = {_tile_id(tile) for tile in page.css(".topAdsContainer div.tileV1")}
    scraped_at = datetime.now(UTC)
    for index, tile in enumerate(page.css("div.tileV1") if kind == "search" else []):
        try:
            record = _tile(tile, url, scraped_at)
            if record["listing_id"] in seen:
                continue
            if record["listing_id"] in featured_ids:
                record["attributes"]["featured"] = True
            seen.add(record["listing_id"])
            records.append(record)
        except (ParseError, ValueError) as exc:
            problems.append(f"{url}: tile {index} skipped: {exc}")
    return records, problems + truncation_problems(body, url)


def parse(body: bytes, url: str) -> list[dict[str, Any]]:
    """Parse a gumtree search result page or ad page into canonical records."""
    return parse_with_problems(body, url)[0]


def next_page(body: bytes, url: str) -> str | None:
    """The absolute URL of the pagination's next-page arrow, or None (last page, ad page)."""
    kind, page = _page(body, url)
    href = first_attribute(page.css("div.pagination a.icon-right-arrow"), "href")
    return urljoin(url, href) if kind == "search" and href else None


# Searching: where a saved search's crawl starts on this marketplace.
def search_urls(search: SearchTerms, base_url: str, options: SearchOptions) -> list[str]:
    """gumtree.pl keyword search, in the search's town when it has one."""
    path = f"/s-{slug(query_of(search, 'gumtree'))}"
    if search.location:
        path += f"/{slug(search.location)}"
    url = f"{base_url}{path}/v1q0p1"
    if search.price_min is not None or search.price_max is not None:
        low = "" if search.price_min is None else whole(search.price_min)
        high = "" if search.price_max is None else whole(search.price_max)
        url += "?" + urlencode({"pr": f"{low},{high}"})
    return [url]


MARKETPLACE = Marketplace(SOURCE, "https://www.gumtree.pl", search_urls)
