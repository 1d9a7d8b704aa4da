"""Parser for Craigslist pages: `li.result-row` and static search results, and postings."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel import Selector, SelectorList

from arb_pipeline.sources.common import (
    BlockedPageError,
    ParseError,
    canonical_condition,
    compile_css,
    first,
    make_record,
    normalise_title,
    parse_price,
    parse_timestamp,
    raise_if_blocked,
    truncation_problems,
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
_LAYOUT_QUERIES = {css: compile_css(css) for _, css in _LAYOUTS}
_POST_ID = re.compile(r"/(\d{6,})\.html")


def _page(body: bytes, url: str) -> tuple[Selector, str]:
    """The parsed page and its layout: `rows`, `static` (search results) or `posting`."""
    text = body.decode("utf-8", "replace")
    selector = Selector(text=text or "<html></html>")
    html = selector.type == "html"  # else parsel's own errors, e.g. for a JSON body
    for layout, css in _LAYOUTS:
        if _LAYOUT_QUERIES[css](selector.root) if html else selector.css(css):
            return selector, layout
    lowered = text.lower()
    if any(marker in lowered for marker in _REMOVED_MARKERS):
        return selector, "posting"
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


def _text(nodes: Selector | SelectorList[Selector]) -> str | None:
    return normalise_title(" ".join(nodes.xpath(".//text()").getall())) or None


_ROWS = compile_css("li.result-row")
_STATIC_ROWS = compile_css("li.cl-static-search-result")
_LINK_HREF = compile_css("a::attr(href)")
_STATIC_PRICE = compile_css(".price")
_STATIC_TITLE = compile_css(".title")
_STATIC_LOCATION = compile_css(".location")
_ALL_TEXT = etree.XPath(".//text()", smart_strings=False)
_ROW_PARTS = (
    "a.result-title",
    "a.result-image",
    "span.result-price",
    "span.result-hood",
    "time.result-date",
)
_CLASS_SEPARATOR = re.compile(r"[ \t\r\n]+")  # XPath's normalize-space whitespace


def _node_text(nodes: list[etree._Element]) -> str | None:
    """Like `_text` for lxml elements: their whitespace-normalised text, or None."""
    return normalise_title(" ".join(text for node in nodes for text in _ALL_TEXT(node))) or None


def _row_parts(row: etree._Element) -> dict[str, list[etree._Element]]:
    """The row's elements matching each `tag.class` of _ROW_PARTS, in document order.

    One walk over the row's elements instead of one CSS query per part (which dominated the
    time per row); it finds what `row.css("a.result-title")` etc. would.
    """
    parts: dict[str, list[etree._Element]] = {part: [] for part in _ROW_PARTS}
    for node in row.iter("a", "span", "time"):
        for name in set(_CLASS_SEPARATOR.split(node.get("class") or "")):
            found = parts.get(f"{node.tag}.{name}")
            if found is not None:
                found.append(node)
    return parts


def _first_attribute(nodes: list[etree._Element], name: str) -> str | None:
    """The first of the nodes' `name` attributes, like CSS `::attr(name)` then `.get()`."""
    return next((value for node in nodes if (value := node.get(name)) is not None), None)


def _first_text(nodes: list[etree._Element]) -> str | None:
    """The first text node directly inside the nodes, like CSS `::text` then `.get()`."""
    for node in nodes:
        if node.text is not None:
            return node.text
        for child in node:
            if child.tail is not None:
                return child.tail
    return None


def _row(row: etree._Element, pid: str, url: str, scraped_at: datetime) -> dict[str, Any]:
    parts = _row_parts(row)
    href = _first_attribute(parts["a.result-title"], "href")
    if not href:
        raise ParseError("no a.result-title link")
    price, currency, inferred = _money(_first_text(parts["span.result-price"]), url)
    hood = _first_text(parts["span.result-hood"])
    image_ids = (_first_attribute(parts["a.result-image"], "data-ids") or "").split(",")
    image_ids = list(dict.fromkeys(i.strip() for i in image_ids if i.strip()))
    attributes = {
        "repost_of": row.get("data-repost-of"),
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
        listed_at=parse_timestamp(_first_attribute(parts["time.result-date"], "datetime")),
        status="active",
        scraped_at=scraped_at,
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def _static_row(row: etree._Element, pid: str, url: str, scraped_at: datetime) -> dict[str, Any]:
    price, currency, inferred = _money(_node_text(_STATIC_PRICE(row)), url)
    return make_record(
        source=SOURCE,
        listing_id=pid,
        url=urljoin(url, first(_LINK_HREF, row)),
        title=_node_text(_STATIC_TITLE(row)) or row.get("title"),
        price=price,
        currency=currency,
        condition="unknown",
        location=_node_text(_STATIC_LOCATION(row)),
        status="active",
        scraped_at=scraped_at,
        attributes={"currency_inferred_from": "host"} if inferred else {},
    )


def _car_attributes(page: Selector) -> dict[str, Any]:
    """The `key: value` lines of the attribute groups, plus year/make-model from the first."""
    attributes: dict[str, Any] = {}
    for node in page.xpath("//*[contains(@class, 'attrgroup')]/*[self::span or self::div]"):
        key, sep, value = (_text(node) or "").partition(":")
        if sep and value.strip():
            attributes[re.sub(r"\W+", "_", key.strip().lower())] = value.strip()
        elif found := re.fullmatch(r"((?:19|20)\d{2})\s+(.+)", key):
            attributes.setdefault("year", int(found.group(1)))
            attributes.setdefault("make_model", found.group(2))
    if re.fullmatch(r"[\d,]+", attributes.get("odometer", "")):
        attributes["odometer"] = int(attributes["odometer"].replace(",", ""))
    return attributes


def _posting(page: Selector, url: str) -> list[dict[str, Any]]:
    """One record for a posting page; a removed posting without an id or title gives none."""
    text = (_text(page.css("body")) or "").lower()
    removed = any(marker in text for marker in _REMOVED_MARKERS)
    canonical = page.css("link[rel=canonical]::attr(href)").get() or url
    post_id = re.search(r"post id:\s*(\d+)", text) or _POST_ID.search(canonical)
    title = (
        _text(page.css("#titletextonly"))
        or page.css("meta[property='og:title']::attr(content)").get()
    )
    if removed and not (post_id and normalise_title(title)):
        return []
    if not post_id:
        raise ParseError(f"{url}: posting without a post id")
    price, currency, inferred = _money(page.css(".postingtitletext .price::text").get(), url)
    attributes = _car_attributes(page)
    condition_raw = attributes.pop("condition", None)
    posted = page.css("time.date.timeago::attr(datetime)").getall()
    body = page.xpath(
        "//*[@id='postingbody']//text()[not(ancestor::*[contains(@class, 'print-information')])]"
    ).getall()
    images = list(dict.fromkeys(page.css("#thumbs a::attr(href)").getall()))
    og_image = page.css("meta[property='og:image']::attr(content)").get()
    repost = re.search(r"var repost_of = (\d+);", page.get())
    attributes |= {
        "body": normalise_title(" ".join(body))[:4000] or None,
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
            category_raw=_text(page.css("li.crumb.category a")),
            brand=attributes.get("make_manufacturer"),
            location=(_text(page.css(".postingtitletext small")) or "").strip("() ") or None,
            image_url=images[0] if images else og_image,
            listed_at=parse_timestamp(posted[0]) if posted else None,
            status="removed" if removed else "active",
            attributes={key: value for key, value in attributes.items() if value is not None},
        )
    ]


def _static_pid(row: etree._Element) -> str | None:
    found = _POST_ID.search(first(_LINK_HREF, row) or "")
    return found.group(1) if found else None


def _search_rows(page: Selector, layout: str, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """One record per posting id of a search page; rows are read with precompiled queries."""
    static = layout == "static"
    records, problems, seen = [], [], set()
    scraped_at = datetime.now(UTC)
    for index, row in enumerate((_STATIC_ROWS if static else _ROWS)(page.root)):
        pid = _static_pid(row) if static else row.get("data-pid")
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
    href = page.css("a.button.next::attr(href)").get() if layout == "rows" else None
    return urljoin(url, href) if href and href.strip() else None
