"""Parser for gumtree.pl search result pages (`div.tileV1`/`tileV2` tiles, older markup found
by its links to ads) and ad detail pages, live or expired. A page saved to a file names its own
site (og:url, a form's data-url, its links), which gives absolute URLs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

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
    text_pieces,
    text_pieces_outside,
    truncation_problems,
)
from arb_pipeline.sources.pages import PageMarkers, raise_if_blocked
from arb_pipeline.sources.search_urls import (
    Marketplace,
    SearchOptions,
    SearchTerms,
    query_of,
    slug,
    whole,
)
from arb_pipeline.sources.values import read_money

SOURCE = "gumtree"
# Codes written out in words, beside the signs read_money knows ("zł", "£", "€").
_CODES = (("pln", "PLN"), ("gbp", "GBP"), ("eur", "EUR"))
# Ad links: /a-<category>/<town>/<slug>/<long numeric id>.
_AD_LINK = re.compile(r"^(?:https?://[^/]*gumtree\.[a-z.]+)?/a-[^/]+/(?:[^/]+/)*(\d{9,})/?$")
_TILES = "div.tileV1, div.tileV2"
_FEATURED = ".topAdsContainer div.tileV1, .topAdsContainer div.tileV2, div.tileV2.promoted"
_REMOVED_WORDING = (
    "ogłoszenie jest nieaktualne",
    "ogłoszenie zostało usunięte",
    "ogłoszenie wygasło",
    "ogłoszenie nie jest już dostępne",
    "ogłoszenie jest już nieaktualne",
    "ogłoszenie zostało zakończone",
    "this ad is no longer available",
    "this ad has expired",
    "this ad has been removed",
)
_DETAIL_NAMES = {
    "Do wynajęcia przez": "landlord",
    "Rodzaj nieruchomości": "property_type",
    "Liczba pokoi": "rooms",
    "Liczba łazienek": "bathrooms",
    "Wielkość (m2)": "size_m2",
    "Parking": "parking",
}


PAGE_MARKERS = PageMarkers(
    expected="gumtree ad tiles (div.tileV1, div.tileV2, links to /a-…/<ad id>) or an ad page",
    empty=(
        "nie znaleziono ogłoszeń",
        "nie znaleźliśmy ogłoszeń",
        "nie znaleźliśmy żadnych ogłoszeń",
        "nie znaleźliśmy wyników",
        "brak wyników",
        "brak ogłoszeń",
        "no results found",
        "we couldn't find any results",
    ),
    removed=_REMOVED_WORDING,
)


def _is_gumtree(url: str | None) -> bool:
    parts = urlsplit((url or "").strip())
    return parts.scheme in ("http", "https") and "gumtree." in (parts.hostname or "")


def _site(page: LexborHTMLParser, url: str) -> str | None:
    """The page's own address on Gumtree: the given URL when it is on Gumtree, else og:url,
    the canonical link or base href, else the site a form or link names, else gumtree.pl for
    a page that calls itself Gumtree in Polish; None when the page names no Gumtree site.
    (Saved pages may carry a rewritten canonical link: only Gumtree hosts count.)"""
    if _is_gumtree(url):
        return url
    for query, name in (
        ('meta[property="og:url"]', "content"),
        ("link[rel=canonical]", "href"),
        ("base[href]", "href"),
        ("[data-url]", "data-url"),
        ("a[href], link[href], form[action]", "href"),
    ):
        for node in page.css(query):
            value = (node.attributes.get(name) or node.attributes.get("action") or "").strip()
            value = f"https:{value}" if value.startswith("//") else value  # protocol-relative
            host = urlsplit(value).hostname or ""
            if _is_gumtree(value) and not host.startswith(("pomoc.", "help.", "static.")):
                return value.strip()
    root = page.css_first("html")
    attributes = root.attributes if root else {}
    locale = attributes.get("data-locale") or attributes.get("lang") or ""
    title = (nodes_text(page.css("title")) or "").lower()
    if locale.lower().startswith("pl") and "gumtree" in title:
        return "https://www.gumtree.pl/"
    return None


def _absolute(href: str, site: str | None) -> str:
    """A link made absolute on the page's site; a relative link on a page naming no site
    cannot be placed."""
    if urlsplit(href).scheme in ("http", "https"):
        return href
    if href.startswith("//"):
        return urljoin(site or "https:", href)
    if site is None:
        raise ParseError(f"relative link {href!r} and the page names no Gumtree site")
    return urljoin(site, href)


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


def _price(text: str | None, site: str | None = None) -> tuple[float | None, str | None]:
    """The amount and ISO currency of a price text ("2 490 zł"); (None, None) for 'Proszę o
    kontakt'. A "$" is the Australian site's dollar; an amount naming no currency is refused."""
    dollar = "AUD" if ".com.au" in (urlsplit(site or "").hostname or "") else None
    price, currency = read_money(text, dollar=dollar)
    if price is None:
        return None, None
    lowered = (text or "").lower()
    currency = currency or next((code for word, code in _CODES if word in lowered), None)
    if currency is None:
        raise ParseError(f"price {text!r} has no currency")
    return price, currency


def _ad_link(node: LexborNode) -> str | None:
    """The id in a link to an ad (`/a-<category>/…/<id>`), None for other links."""
    found = _AD_LINK.match((node.attributes.get("href") or "").split("?")[0].strip())
    return found.group(1) if found else None


def _title_links(tile: LexborNode) -> list[LexborNode]:
    """The tile's title link: `a.tile-title-text`, else its first link to an ad with text
    (an image link comes first in some layouts), else its first link to an ad."""
    titled = tile.css("a.tile-title-text")
    if titled:
        return titled
    ad_links = [a for a in ([tile] if tile.tag == "a" else []) + tile.css("a[href]") if _ad_link(a)]
    return [a for a in ad_links if nodes_text([a])][:1] or ad_links[:1]


def _tile_id(tile: LexborNode) -> str | None:
    return first_attribute(tile.css("[data-adid]"), "data-adid") or _id_from(
        first_attribute(_title_links(tile), "href")
    )


def _link_tiles(page: LexborHTMLParser) -> list[LexborNode]:
    """Tiles found by their links alone (markup of no known class): each link to an ad,
    widened to its largest ancestor holding no other ad."""
    tiles: dict[int, LexborNode] = {}
    ids_under: dict[int, set[str]] = {}
    for link in page.css("a[href]"):
        ad_id = _ad_link(link)
        if not ad_id:
            continue
        tile = link
        while (parent := tile.parent) is not None and parent.tag not in ("body", "html"):
            if parent.mem_id not in ids_under:
                ids_under[parent.mem_id] = {
                    found for a in parent.css("a[href]") if (found := _ad_link(a))
                }
            if ids_under[parent.mem_id] != {ad_id}:
                break
            tile = parent
        tiles.setdefault(tile.mem_id, tile)
    return list(tiles.values())


def _tile(tile: LexborNode, site: str | None, scraped_at: datetime) -> dict[str, Any]:
    links = _title_links(tile)
    href = first_attribute(links, "href")
    if not href:
        raise ParseError("no a.tile-title-text link or link to an ad")
    listing_id = first_attribute(tile.css("[data-adid]"), "data-adid") or _id_from(href)
    if not listing_id:
        raise ParseError(f"no ad id in {href!r}")
    price_text = _text(tile, ".price-text") or _text(tile, ".ad-price, .price, .amount")
    price, currency = _price(price_text, site)
    place = _text(tile, ".category-location") or _text(tile, ".tile-location, .location")
    category, _, location = (place or "").rpartition(",")
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
        url=_absolute(href, site),
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


def _not_a_notice(node: LexborNode) -> bool:
    """Scripts and styles, and the seller's own description (which may say anything)."""
    return node.tag in ("script", "style", "noscript", "template") or "description" in (
        node.attributes.get("class") or ""
    )


def _says_removed(page: LexborHTMLParser) -> bool:
    """Whether the visible page says the ad expired or was deleted (scripts left out: their
    message catalogues hold the same words)."""
    body = page.body
    pieces = text_pieces_outside(body, _not_a_notice) if body else []
    text = normalise_title(" ".join(pieces)).lower()
    return any(phrase in text for phrase in _REMOVED_WORDING)


def _detail(page: LexborHTMLParser, url: str) -> dict[str, Any] | None:
    """The ad of an ad page; None for a removed ad whose id or title is gone from the page."""
    headers = page.css("div.vip-content-header")
    site = _site(page, url)
    og_url = first_attribute(page.css('meta[property="og:url"]'), "content")
    page_url = og_url if _is_gumtree(og_url) else site
    removed = _says_removed(page)
    listing_id = first_attribute(page.css("input#adId"), "value") or _id_from(page_url)
    title = (
        _headers_text(headers, "h1.item-title")
        or _text(page, ".vip-title .myAdTitle")  # before 2019
        or first_attribute(page.css('meta[property="og:title"]'), "content")
    )
    if removed and not (listing_id and page_url and normalise_title(title)):
        return None
    if not listing_id:
        raise ParseError("no ad id (input#adId / og:url)")
    if not page_url:
        raise ParseError("the page names no Gumtree address (og:url, links)")
    price_text = _headers_text(headers, ".price") or _text(page, ".vip-title .price")
    price, currency = _price(price_text, site)
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
        url=page_url,
        title=title,
        price=price,
        currency=currency,
        condition="unknown",
        category_raw=breadcrumb.split("|")[0].strip() or None,
        location=(fields.get("Lokalizacja") or "").replace(" ,", ",") or None,
        seller_id=seller.group(1) if seller else None,
        image_url=first_attribute(page.css('meta[property="og:image"]'), "content"),
        listed_at=_date(fields.get("Data dodania")),
        status="removed" if removed else "active",
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def _headers_text(headers: list[LexborNode], query: str) -> str | None:
    """`_text` over each of the headers in turn (a header's matches counted once)."""
    pieces = (node.text(separator=" ") for h in headers for node in outermost(h.css(query)))
    return normalise_title(" ".join(pieces)) or None


_DETAIL_MARKERS = "input#adId, div.vip-content-header h1.item-title, .vip-title .myAdTitle"
_LOGIN_MARKERS = "input[type=password], form[action*=login]"
_SEARCH_MARKERS = 'body[class*="SearchPage"], div.results, div#pagination'


def _page(body: bytes, url: str) -> tuple[str, LexborHTMLParser]:
    """Which page this is ('search' or 'detail') and its tree; raises when it is neither. An
    expired ad's page is a detail page even when it lists similar ads below."""
    page = html_tree(body)
    if page.css_matches(_DETAIL_MARKERS):
        return "detail", page
    tiles = page.css_matches(_TILES)
    if tiles and page.css_matches(_SEARCH_MARKERS):  # a search page: no need to read its text
        return "search", page
    if _says_removed(page):
        return "detail", page
    if tiles:
        return "search", page
    if truncated := truncation_problems(body, url):  # a cut-off download, not a block page
        raise ParseError(f"{truncated[0]}: no ad tiles or ad found")
    raise_if_blocked(body, url)
    if page.css_matches(_LOGIN_MARKERS):
        raise BlockedPageError(f"{url}: blocked page (login form)")
    if page.css_matches(_SEARCH_MARKERS) or _link_tiles(page):
        return "search", page
    raise ParseError(f"{url}: neither a gumtree search page (div.tileV1) nor an ad page (#adId)")


def _search_tiles(page: LexborHTMLParser) -> list[LexborNode]:
    """The ad tiles of a search page: by class, else found by their links to ads."""
    return outermost(page.css(_TILES)) or _link_tiles(page)


def _unread_items(page: LexborHTMLParser, tiles: list[LexborNode]) -> list[str]:
    """Linked items of the ad lists that were not read as tiles: ads in a markup not known
    (banners carry no link)."""
    tile_ids = {tile.mem_id for tile in tiles}
    return [
        f"item {index} skipped: not an ad tile (unknown markup)"
        for index, item in enumerate(page.css("div.view > div, .topAdsContainer > div"))
        if item.mem_id not in tile_ids and item.css_matches("a[href]")
    ]


def parse_with_problems(body: bytes, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse a search or ad page into records (one per ad id) plus one message per skipped ad."""
    kind, page = _page(body, url)
    records, problems, seen = [], [], set()
    if kind == "detail":
        try:
            ad = _detail(page, url)
            records += [ad] if ad else []
        except (ParseError, ValueError) as exc:
            problems.append(f"{url}: ad skipped: {exc}")
    featured_ids = {_tile_id(tile) for tile in page.css(_FEATURED)}
    scraped_at = datetime.now(UTC)
    site = _site(page, url)
    tiles = _search_tiles(page) if kind == "search" else []
    for index, tile in enumerate(tiles):
        try:
            record = _tile(tile, site, scraped_at)
            if record["listing_id"] in seen:
                continue
            if record["listing_id"] in featured_ids:
                record["attributes"]["featured"] = True
            seen.add(record["listing_id"])
            records.append(record)
        except (ParseError, ValueError) as exc:
            problems.append(f"{url}: tile {index} skipped: {exc}")
    if kind == "search":
        problems += [f"{url}: {problem}" for problem in _unread_items(page, tiles)]
    return records, problems + truncation_problems(body, url)


def parse(body: bytes, url: str) -> list[dict[str, Any]]:
    """Parse a gumtree search result page or ad page into canonical records."""
    return parse_with_problems(body, url)[0]


def next_page(body: bytes, url: str) -> str | None:
    """The absolute URL of the pagination's next-page arrow, or None (last page, ad page)."""
    kind, page = _page(body, url)
    href = first_attribute(page.css("div.pagination a.icon-right-arrow"), "href")
    site = _site(page, url)
    return urljoin(site, href) if kind == "search" and href and site else None


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
