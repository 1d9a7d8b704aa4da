"""Parser for gumtree.pl search result pages (`div.tileV1` tiles) and ad detail pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector

from arb_pipeline.sources.common import (
    BlockedPageError,
    ParseError,
    compile_css,
    first,
    make_record,
    normalise_title,
    parse_price,
    raise_if_blocked,
    truncation_problems,
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


def _text(selector: Selector, query: str) -> str | None:
    """The whitespace-normalised text under a CSS query, or None when empty."""
    return normalise_title(" ".join(selector.css(f"{query} ::text").getall())) or None


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


_TILES = compile_css("div.tileV1")
_FEATURED_TILES = compile_css(".topAdsContainer div.tileV1")
_TILE_HREF = compile_css("a.tile-title-text::attr(href)")
_TILE_AD_ID = compile_css("[data-adid]::attr(data-adid)")
_TILE_SHORT_ID = compile_css("[data-short-id]::attr(data-short-id)")
_TILE_IMAGE_DATA_SRC = compile_css("img::attr(data-src)")
_TILE_IMAGE_SRC = compile_css("img::attr(src)")
_TILE_DETAILS = compile_css(".attributes-container ::text")
_TILE_TEXTS = {
    query: compile_css(f"{query} ::text")
    for query in (
        "a.tile-title-text",
        ".price-text",
        ".category-location",
        ".creation-date",
        ".img-cnt",
    )
}


def _tile_text(tile: etree._Element, query: str) -> str | None:
    """`_text` for a tile with a precompiled query: the text under `query`, or None."""
    return normalise_title(" ".join(_TILE_TEXTS[query](tile))) or None


def _tile_id(tile: etree._Element) -> str | None:
    return first(_TILE_AD_ID, tile) or _id_from(first(_TILE_HREF, tile))


def _tile(tile: etree._Element, url: str, scraped_at: datetime) -> dict[str, Any]:
    href = first(_TILE_HREF, tile)
    if not href:
        raise ParseError("no a.tile-title-text link")
    listing_id = _tile_id(tile)
    if not listing_id:
        raise ParseError(f"no ad id in {href!r}")
    price_text = _tile_text(tile, ".price-text")
    price, currency = _price(price_text)
    category, _, location = (_tile_text(tile, ".category-location") or "").rpartition(",")
    created = _tile_text(tile, ".creation-date")
    image = first(_TILE_IMAGE_DATA_SRC, tile) or first(_TILE_IMAGE_SRC, tile)
    photos = re.match(r"\d+", _tile_text(tile, ".img-cnt") or "")
    details = [normalise_title(t) for t in _TILE_DETAILS(tile)]
    attributes = {
        "short_id": first(_TILE_SHORT_ID, tile),
        "price_text": price_text if price is None else None,
        "created_text": created,
        "photo_count": int(photos.group()) if photos else None,
        "tile_attributes": [d for d in details if d] or None,
    }
    return make_record(
        source=SOURCE,
        listing_id=listing_id,
        url=urljoin(url, href),
        title=_tile_text(tile, "a.tile-title-text"),
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


def _detail(page: Selector, url: str) -> dict[str, Any]:
    header = page.css("div.vip-content-header")
    page_url = page.css('meta[property="og:url"]::attr(content)').get() or url
    listing_id = page.css("input#adId::attr(value)").get() or _id_from(page_url)
    if not listing_id:
        raise ParseError("no ad id (input#adId / og:url)")
    price_text = _text(header, ".price")
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
    seller = re.search(r"/v1u(\d+)p", page.css(".vip-seller .username a::attr(href)").get() or "")
    breadcrumb = (page.css(".breadcrumbs a.category .microdata::text").getall() or [""])[-1]
    description = "\n".join(
        normalise_title(t) for t in page.css("div.vip-details .description ::text").getall()
    ).strip()
    attributes.update(
        price_text=price_text if price is None else None,
        short_id=page.css("[data-short-id]::attr(data-short-id)").get(),
        seller_since=_text(page, ".vip-seller .usersince"),
        description=description or None,
    )
    return make_record(
        source=SOURCE,
        listing_id=listing_id,
        url=urljoin(url, page_url),
        title=_text(header, "h1.item-title")
        or page.css('meta[property="og:title"]::attr(content)').get(),
        price=price,
        currency=currency,
        condition="unknown",
        category_raw=breadcrumb.split("|")[0].strip() or None,
        location=(fields.get("Lokalizacja") or "").replace(" ,", ",") or None,
        seller_id=seller.group(1) if seller else None,
        image_url=page.css('meta[property="og:image"]::attr(content)').get(),
        listed_at=_date(fields.get("Data dodania")),
        status="active",
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


_DETAIL_MARKERS = compile_css("input#adId, div.vip-content-header h1.item-title")
_LOGIN_MARKERS = compile_css("input[type=password], form[action*=login]")
_SEARCH_MARKERS = compile_css('body[class*="SearchPage"], div.results, div#pagination')


def _page(body: bytes, url: str) -> tuple[str, Selector]:
    """Which page this is ('search' or 'detail') and its selector; raises when it is neither."""
    text = body.decode("utf-8", "replace")
    page = Selector(text=text or "<html></html>", type="html")
    if _DETAIL_MARKERS(page.root):
        return "detail", page
    if _TILES(page.root):
        return "search", page
    raise_if_blocked(body, url)
    if _LOGIN_MARKERS(page.root):
        raise BlockedPageError(f"{url}: blocked page (login form)")
    if _SEARCH_MARKERS(page.root):
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
    featured_ids = {_tile_id(tile) for tile in _FEATURED_TILES(page.root)}
    scraped_at = datetime.now(UTC)
    for index, tile in enumerate(_TILES(page.root) if kind == "search" else []):
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
    href = page.css("div.pagination a.icon-right-arrow::attr(href)").get()
    return urljoin(url, href) if kind == "search" and href else None
