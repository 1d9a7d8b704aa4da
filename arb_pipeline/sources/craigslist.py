"""Parser for Craigslist search result pages in the `li.result-row` layout."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from arb_pipeline.sources.common import (
    BlockedPageError,
    ParseError,
    make_record,
    parse_price,
    parse_timestamp,
    raise_if_blocked,
)

SOURCE = "craigslist"
_SYMBOLS = {"$": "USD", "£": "GBP", "€": "EUR"}
_CL_BLOCK_MARKERS = ("has been automatically blocked", "your request has been blocked")
_IMAGE_URL = "https://images.craigslist.org/{}_300x300.jpg"


def _page(body: bytes, url: str) -> Selector:
    raise_if_blocked(body, url)
    text = body.decode("utf-8", "replace")
    selector = Selector(text=text or "<html></html>")
    if not selector.css("ul.rows, li.result-row"):
        lowered = text[:20000].lower()
        if any(marker in lowered for marker in _CL_BLOCK_MARKERS):
            raise BlockedPageError(f"{url}: blocked page (craigslist IP block)")
        raise ParseError(f"{url}: no search result list (ul.rows / li.result-row) found")
    return selector


def _currency(price_text: str | None, url: str) -> tuple[str | None, bool]:
    """The currency of a price text and whether it was inferred from the host."""
    for symbol, code in _SYMBOLS.items():
        if symbol in (price_text or ""):
            return code, False
    host = urlsplit(url).hostname or ""
    if host == "craigslist.org" or host.endswith(".craigslist.org"):
        return "USD", True
    return None, False


def _row(row: Selector, url: str) -> dict[str, Any]:
    href = row.css("a.result-title::attr(href)").get()
    if not href:
        raise ParseError("no a.result-title link")
    price_text = row.css("span.result-price::text").get()
    price = parse_price(price_text)
    currency, inferred = _currency(price_text, url)
    if price is not None and currency is None:
        raise ParseError(f"price {price_text!r} has no currency symbol")
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
        listing_id=row.attrib["data-pid"],
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


def parse_with_problems(body: bytes, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse a search page into records (one per data-pid) plus one message per skipped row."""
    records, problems, seen = [], [], set()
    for index, row in enumerate(_page(body, url).css("li.result-row")):
        pid = row.attrib.get("data-pid")
        if pid in seen:
            continue
        try:
            if not pid:
                raise ParseError("no data-pid")
            records.append(_row(row, url))
            seen.add(pid)
        except (ParseError, ValueError) as exc:
            problems.append(f"{url}: row {index} ({pid or 'no pid'}) skipped: {exc}")
    if b"</html>" not in body[-2000:].lower():
        problems.append(f"{url}: page looks truncated (no closing </html>)")
    return records, problems


def parse(body: bytes, url: str) -> list[dict[str, Any]]:
    """Parse a Craigslist search result page into canonical records."""
    return parse_with_problems(body, url)[0]


def next_page(body: bytes, url: str) -> str | None:
    """The absolute URL of the `next >` button, or None on the last page."""
    href = _page(body, url).css("a.button.next::attr(href)").get()
    return urljoin(url, href) if href and href.strip() else None
