"""Parser for Craigslist pages: `li.result-row` and static search results, and postings."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from arb_pipeline.sources.common import (
    BlockedPageError,
    ParseError,
    canonical_condition,
    first_attribute,
    html_tree,
    make_record,
    nodes_text,
    normalise_title,
    outermost,
    own_text_pieces,
    parse_price,
    parse_timestamp,
    raise_if_blocked,
    text_pieces_outside,
    truncation_problems,
)
from arb_pipeline.sources.pages import PageMarkers
from arb_pipeline.sources.search_urls import (
    Marketplace,
    SearchOptions,
    SearchTerms,
    codes,
    query_of,
    whole,
)

SOURCE = "craigslist"
_SYMBOLS = {"$": "USD", "£": "GBP", "€": "EUR"}
_CL_BLOCK_MARKERS = ("has been automatically blocked", "your request has been blocked")
_IMAGE_URL = "https://images.craigslist.org/{}_300x300.jpg"
_REMOVED_MARKERS = (
    "this posting has expired",
    "this posting has been deleted by its author",
    "this posting has been flagged for removal",
)
_LAYOUTS = (
    ("rows", "ul.rows, li.result-row"),
    ("static", "ol.cl-static-search-results, li.cl-static-search-result"),
    ("posting", "#titletextonly, #postingbody, body.posting"),
)
_POST_ID = re.compile(r"/(\d{6,})\.html")


PAGE_MARKERS = PageMarkers(
    expected="Craigslist result rows (li.cl-static-search-result, li.result-row) or a posting",
    empty=("no results", "nothing found for that search"),
    removed=_REMOVED_MARKERS,
    blocked=_CL_BLOCK_MARKERS,
)


def _page(body: bytes, url: str) -> tuple[LexborHTMLParser, str]:
    """The parsed page and its layout: `rows`, `static` (search results) or `posting`."""
    page = html_tree(body)
    for layout, css in _LAYOUTS:
        if page.css_matches(css):
            return page, layout
    lowered = body.decode("utf-8", "replace").lower()
    if any(marker in lowered for marker in _REMOVED_MARKERS):
        return page, "posting"
    raise_if_blocked(body, url)
    if any(marker in lowered[:20000] for marker in _CL_BLOCK_MARKERS):
        raise BlockedPageError(f"{url}: blocked page (craigslist IP block)")
    raise ParseError(f"{url}: no search result list or posting found")


def _currency(price_text: str | None, url: str) -> tuple[str | None, bool]:
    """The currency of a price text and whether it was inferred from the host."""
    for symbol, code in _SYMBOLS.items():
        if symbol in (price_text or ""):
            return code, False
    host = urlsplit(url).hostname or ""
    if host == "craigslist.org" or host.endswith(".craigslist.org"):
        return "USD", True
    return None, False


def _money(price_text: str | None, url: str) -> tuple[float | None, str | None, bool]:
    """Amount, currency and whether the currency was inferred from the host."""
    price = parse_price(price_text)
    currency, inferred = _currency(price_text, url)
    if price is not None and currency is None:
        raise ParseError(f"price {price_text!r} has no currency symbol")
    return price, currency, inferred


_ROW_PARTS = (
    "a.result-title",
    "a.result-image",
    "span.result-price",
    "span.result-hood",
    "time.result-date",
)
_ROW_QUERY = ", ".join(_ROW_PARTS)
_CLASS_SEPARATOR = re.compile(r"[ \t\n\f\r]+")  # HTML whitespace, as in CSS class matching


def _row_parts(row: LexborNode) -> dict[str, list[LexborNode]]:
    """The row's elements matching each `tag.class` of _ROW_PARTS, in document order.

    One CSS query for all parts instead of one per part (which dominated the time per row).
    """
    parts: dict[str, list[LexborNode]] = {part: [] for part in _ROW_PARTS}
    for node in row.css(_ROW_QUERY):
        for name in set(_CLASS_SEPARATOR.split(node.attributes.get("class") or "")):
            found = parts.get(f"{node.tag}.{name}")
            if found is not None:
                found.append(node)
    return parts


def _first_text(nodes: list[LexborNode]) -> str | None:
    """The first text node directly inside the nodes, like CSS `::text` then `.get()`."""
    pieces = own_text_pieces(nodes)
    return pieces[0] if pieces else None


def _row(row: LexborNode, pid: str, url: str, scraped_at: datetime) -> dict[str, Any]:
    parts = _row_parts(row)
    href = first_attribute(parts["a.result-title"], "href")
    if not href:
        raise ParseError("no a.result-title link")
    price, currency, inferred = _money(_first_text(parts["span.result-price"]), url)
    hood = _first_text(parts["span.result-hood"])
    image_ids = (first_attribute(parts["a.result-image"], "data-ids") or "").split(",")
    image_ids = list(dict.fromkeys(i.strip() for i in image_ids if i.strip()))
    attributes = {
        "repost_of": row.attributes.get("data-repost-of"),
        "image_ids": image_ids or None,
        "currency_inferred_from": "host" if inferred else None,
    }
    return make_record(
        source=SOURCE,
        listing_id=pid,
        url=urljoin(url, href),
        title=_first_text(parts["a.result-title"]),
        price=price,
        currency=currency,
        condition="unknown",
        location=(hood or "").strip().strip("()").strip() or None,
        image_url=_IMAGE_URL.format(image_ids[0].split(":")[-1]) if image_ids else None,
        listed_at=parse_timestamp(first_attribute(parts["time.result-date"], "datetime")),
        status="active",
        scraped_at=scraped_at,
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def _static_row(row: LexborNode, pid: str, url: str, scraped_at: datetime) -> dict[str, Any]:
    price, currency, inferred = _money(nodes_text(row.css(".price")), url)
    return make_record(
        source=SOURCE,
        listing_id=pid,
        url=urljoin(url, first_attribute(row.css("a"), "href")),
        title=nodes_text(row.css(".title")) or row.attributes.get("title"),
        price=price,
        currency=currency,
        condition="unknown",
        location=nodes_text(row.css(".location")),
        status="active",
        scraped_at=scraped_at,
        attributes={"currency_inferred_from": "host"} if inferred else {},
    )


def _car_attributes(page: LexborHTMLParser) -> dict[str, Any]:
    """The `key: value` lines of the attribute groups, plus year/make-model from the first."""
    attributes: dict[str, Any] = {}
    for node in page.css("[class*=attrgroup] > span, [class*=attrgroup] > div"):
        key, sep, value = (nodes_text([node]) or "").partition(":")
        if sep and value.strip():
            attributes[re.sub(r"\W+", "_", key.strip().lower())] = value.strip()
        elif found := re.fullmatch(r"((?:19|20)\d{2})\s+(.+)", key):
            attributes.setdefault("year", int(found.group(1)))
            attributes.setdefault("make_model", found.group(2))
    if re.fullmatch(r"[\d,]+", attributes.get("odometer", "")):
        attributes["odometer"] = int(attributes["odometer"].replace(",", ""))
    return attributes


def _print_only(node: LexborNode) -> bool:
    return "print-information" in (node.attributes.get("class") or "")


def _body_text(page: LexborHTMLParser) -> list[str]:
    """The text of #postingbody, less its print-only notes."""
    return [
        piece
        for body in outermost(page.css("[id=postingbody]"))
        for piece in text_pieces_outside(body, _print_only)
    ]


def _posting(page: LexborHTMLParser, url: str) -> list[dict[str, Any]]:
    """One record for a posting page; a removed posting without an id or title gives none."""
    text = (nodes_text(page.css("body")) or "").lower()
    removed = any(marker in text for marker in _REMOVED_MARKERS)
    canonical = first_attribute(page.css("link[rel=canonical]"), "href") or url
    post_id = re.search(r"post id:\s*(\d+)", text) or _POST_ID.search(canonical)
    title = nodes_text(page.css("#titletextonly")) or first_attribute(
        page.css("meta[property='og:title']"), "content"
    )
    if removed and not (post_id and normalise_title(title)):
        return []
    if not post_id:
        raise ParseError(f"{url}: posting without a post id")
    price_pieces = own_text_pieces(page.css(".postingtitletext .price"))
    price, currency, inferred = _money(price_pieces[0] if price_pieces else None, url)
    attributes = _car_attributes(page)
    condition_raw = attributes.pop("condition", None)
    posted = [
        node.attributes["datetime"]
        for node in page.css("time.date.timeago")
        if "datetime" in node.attributes
    ]
    images = list(
        dict.fromkeys(
            node.attributes["href"] or ""
            for node in page.css("#thumbs a")
            if "href" in node.attributes
        )
    )
    og_image = first_attribute(page.css("meta[property='og:image']"), "content")
    repost = re.search(r"var repost_of = (\d+);", page.html or "")
    attributes |= {
        "body": normalise_title(" ".join(_body_text(page)))[:4000] or None,
        "image_count": len(images) or None,
        "repost_of": repost.group(1) if repost else None,
        "currency_inferred_from": "host" if inferred else None,
    }
    return [
        make_record(
            source=SOURCE,
            listing_id=post_id.group(1),
            url=urljoin(url, canonical),
            title=title,
            price=price,
            currency=currency,
            condition=canonical_condition(condition_raw),
            condition_raw=condition_raw,
            category_raw=nodes_text(page.css("li.crumb.category a")),
            brand=attributes.get("make_manufacturer"),
            location=(nodes_text(page.css(".postingtitletext small")) or "").strip("() ") or None,
            image_url=images[0] if images else og_image,
            listed_at=parse_timestamp(posted[0]) if posted else None,
            status="removed" if removed else "active",
            attributes={key: value for key, value in attributes.items() if value is not None},
        )
    ]


def _static_pid(row: LexborNode) -> str | None:
    found = _POST_ID.search(first_attribute(row.css("a"), "href") or "")
    return found.group(1) if found else None


def _search_rows(
    page: LexborHTMLParser, layout: str, url: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """One record per posting id of a search page."""
    static = layout == "static"
    records, problems, seen = [], [], set()
    scraped_at = datetime.now(UTC)
    rows = page.css("li.cl-static-search-result" if static else "li.result-row")
    for index, row in enumerate(rows):
        pid = _static_pid(row) if static else row.attributes.get("data-pid")
        if pid in seen:
            continue
        try:
            if not pid:
                raise ParseError("no posting link" if static else "no data-pid")
            records.append((_static_row if static else _row)(row, pid, url, scraped_at))
            seen.add(pid)
        except (ParseError, ValueError) as exc:
            problems.append(f"{url}: row {index} ({pid or 'no pid'}) skipped: {exc}")
    return records, problems


def parse_with_problems(body: bytes, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse a search page (one record per posting id) or a posting page, plus problems."""
    page, layout = _page(body, url)
    if layout != "posting":
        records, problems = _search_rows(page, layout, url)
    else:
        try:
            records, problems = _posting(page, url), []
        except (ParseError, ValueError) as exc:
            records, problems = [], [f"{url}: posting skipped: {exc}"]
    return records, problems + truncation_problems(body, url)


def parse(body: bytes, url: str) -> list[dict[str, Any]]:
    """Parse a Craigslist search result or posting page into canonical records."""
    return parse_with_problems(body, url)[0]


def next_page(body: bytes, url: str) -> str | None:
    """The absolute URL of the `next >` button, or None on the last page or a posting."""
    page, layout = _page(body, url)
    href = first_attribute(page.css("a.button.next"), "href") if layout == "rows" else None
    return urljoin(url, href) if href and href.strip() else None


# Searching: where a saved search's crawl starts on this marketplace.
CRAIGSLIST_CONDITIONS = {
    "new": ["10"],
    "like_new": ["20", "30"],
    "good": ["40"],
    "fair": ["50"],
    "for_parts": ["60"],
}


def search_urls(search: SearchTerms, base_url: str, options: SearchOptions) -> list[str]:
    """Craigslist for-sale search on the site named by the search's location (e.g. sfbay)."""
    params: list[tuple[str, str]] = [("query", query_of(search, "craigslist"))]
    if search.price_min is not None:
        params.append(("min_price", whole(search.price_min)))
    if search.price_max is not None:
        params.append(("max_price", whole(search.price_max)))
    params += [("condition", code) for code in codes(CRAIGSLIST_CONDITIONS, search.conditions)]
    return [f"{base_url}/search/sss?{urlencode(params)}"]


MARKETPLACE = Marketplace(SOURCE, "https://{location}.craigslist.org", search_urls)
