"""Parser for Craigslist pages: `li.result-row` and static search results, and postings."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector, SelectorList

from arb_pipeline.sources.common import (
    BlockedPageError,
    ParseError,
    canonical_condition,
    make_record,
    normalise_title,
    parse_price,
    parse_timestamp,
    raise_if_blocked,
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


def _page(body: bytes, url: str) -> tuple[Selector, str]:
    """The parsed page and its layout: `rows`, `static` (search results) or `posting`."""
    text = body.decode("utf-8", "replace")
    selector = Selector(text=text or "<html></html>")
    for layout, css in _LAYOUTS:
        if selector.css(css):
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


def _row(row: Selector, pid: str, url: str) -> dict[str, Any]:
    href = row.css("a.result-title::attr(href)").get()
    if not href:
        raise ParseError("no a.result-title link")
    price, currency, inferred = _money(row.css("span.result-price::text").get(), url)
    hood = row.css("span.result-hood::text").get()
    image_ids = (row.css("a.result-image::attr(data-ids)").get() or "").split(",")
    image_ids = list(dict.fromkeys(i.strip() for i in image_ids if i.strip()))
    attributes = {
        "repost_of": row.attrib.get("data-repost-of"),
        "image_ids": image_ids or None,
        "currency_inferred_from": "host" if inferred else None,
    }
    return make_record(
        source=SOURCE,
        listing_id=pid,
        url=urljoin(url, href),
        title=row.css("a.result-title::text").get(),
        price=price,
        currency=currency,
        condition="unknown",
        location=(hood or "").strip().strip("()").strip() or None,
        image_url=_IMAGE_URL.format(image_ids[0].split(":")[-1]) if image_ids else None,
        listed_at=parse_timestamp(row.css("time.result-date::attr(datetime)").get()),
        status="active",
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def _static_row(row: Selector, pid: str, url: str) -> dict[str, Any]:
    price, currency, inferred = _money(_text(row.css(".price")), url)
    return make_record(
        source=SOURCE,
        listing_id=pid,
        url=urljoin(url, row.css("a::attr(href)").get()),
        title=_text(row.css(".title")) or row.attrib.get("title"),
        price=price,
        currency=currency,
        condition="unknown",
        location=_text(row.css(".location")),
        status="active",
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


def _static_pid(row: Selector) -> str | None:
    found = _POST_ID.search(row.css("a::attr(href)").get() or "")
    return found.group(1) if found else None


def _search_rows(page: Selector, layout: str, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    static = layout == "static"
    records, problems, seen = [], [], set()
    for index, row in enumerate(
        page.css("li.cl-static-search-result" if static else "li.result-row")
    ):
        pid = _static_pid(row) if static else row.attrib.get("data-pid")
        if pid in seen:
            continue
        try:
            if not pid:
                raise ParseError("no posting link" if static else "no data-pid")
            records.append((_static_row if static else _row)(row, pid, url))
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
    if b"</html>" not in body[-2000:].lower():
        problems.append(f"{url}: page looks truncated (no closing </html>)")
    return records, problems


def parse(body: bytes, url: str) -> list[dict[str, Any]]:
    """Parse a Craigslist search result or posting page into canonical records."""
    return parse_with_problems(body, url)[0]


def next_page(body: bytes, url: str) -> str | None:
    """The absolute URL of the `next >` button, or None on the last page or a posting."""
    page, layout = _page(body, url)
    href = page.css("a.button.next::attr(href)").get() if layout == "rows" else None
    return urljoin(url, href) if href and href.strip() else None
