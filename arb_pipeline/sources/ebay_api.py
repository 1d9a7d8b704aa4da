"""Parser for eBay Buy Browse API `item_summary/search` JSON responses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from arb_pipeline.sources.common import (
    BlockedPageError,
    ParseError,
    canonical_condition,
    collect_records,
    make_record,
    parse_price,
    parse_timestamp,
)
from arb_pipeline.sources.ebay_auth import search_url as ebay_browse_url
from arb_pipeline.sources.pages import PageMarkers, load_json
from arb_pipeline.sources.search_urls import Marketplace, SearchOptions, SearchTerms, query_of

SOURCE = "ebay_api"


PAGE_MARKERS = PageMarkers(expected="a Browse API JSON object with 'itemSummaries' (or an item)")


def raise_if_api_error(data: dict[str, Any], url: str) -> None:
    """Raise BlockedPageError for an eBay REST error answer (`{"errors": [...]}`: an invalid or
    expired token, access denied, a rate limit): no listing can be read until it is resolved."""
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        messages = "; ".join(
            " ".join(str(e[key]) for key in ("errorId", "message") if e.get(key))
            for e in errors
            if isinstance(e, dict)
        )
        raise BlockedPageError(f"{url}: eBay API error ({messages or 'no message'})")


def money(obj: Any, url: str) -> float | None:
    """Read an API money object's value; None when absent, ParseError when not a number."""
    if not obj or obj.get("value") in (None, ""):
        return None
    value = parse_price(str(obj["value"]))
    if value is None:
        raise ParseError(f"{url}: unreadable amount {obj['value']!r}")
    return value


def _item(item: dict[str, Any], url: str, scraped_at: datetime) -> dict[str, Any]:
    price = item.get("price") or {}
    seller = item.get("seller") or {}
    shipping = (item.get("shippingOptions") or [{}])[0]
    where = item.get("itemLocation") or {}
    ended_at = parse_timestamp(item.get("itemEndDate"))
    attributes = {
        "legacy_item_id": item.get("legacyItemId"),
        "buying_options": item.get("buyingOptions"),
        "bid_count": item.get("bidCount"),
        "current_bid_price": money(item.get("currentBidPrice"), url),
        "original_price": parse_price(price.get("convertedFromValue")),
        "original_currency": price.get("convertedFromCurrency"),
        "seller_feedback_score": seller.get("feedbackScore"),
        "seller_feedback_percentage": parse_price(seller.get("feedbackPercentage")),
        "ended_at": ended_at.isoformat() if ended_at else None,
    }
    location = ", ".join(
        str(where[key]) for key in ("postalCode", "city", "country") if where.get(key)
    )
    if not item.get("itemId") or not item.get("itemWebUrl"):
        raise ParseError(f"{url}: item without itemId or itemWebUrl")
    return make_record(
        source=SOURCE,
        listing_id=item["itemId"],
        url=urljoin(url, item["itemWebUrl"]),
        title=item.get("title"),
        price=money(price, url),
        currency=price.get("currency"),
        shipping_price=money(shipping.get("shippingCost"), url),
        condition=canonical_condition(item.get("condition"), item.get("conditionId")),
        condition_raw=item.get("condition"),
        category_raw=((item.get("categories") or [{}])[0]).get("categoryName"),
        location=location or None,
        seller_id=seller.get("username"),
        image_url=(item.get("image") or {}).get("imageUrl"),
        listed_at=parse_timestamp(item.get("itemCreationDate")),
        status="active",
        scraped_at=scraped_at,
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def parse_with_problems(body: bytes, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse a search response into records plus one message per item that was skipped."""
    data = load_json(body, url)
    if "itemSummaries" not in data and "total" not in data:
        raise_if_api_error(data, url)
        raise ParseError(f"{url}: missing 'itemSummaries' and 'total' keys")
    items = data.get("itemSummaries") or []
    if not isinstance(items, list):
        raise ParseError(f"{url}: 'itemSummaries' is not a list")
    scraped_at = datetime.now(UTC)
    return collect_records(items, lambda item: _item(item, url, scraped_at), url)


def parse(body: bytes, url: str) -> list[dict[str, Any]]:
    """Parse a Browse API search response into canonical records."""
    return parse_with_problems(body, url)[0]


def next_page(body: bytes, url: str) -> str | None:
    """The absolute URL of the next result page (the response's `next` link), or None."""
    nxt = load_json(body, url).get("next")
    return urljoin(url, nxt) if nxt else None


# Searching: where a saved search's crawl starts on this marketplace.
EBAY_CURRENCIES = {
    "EBAY_US": "USD",
    "EBAY_GB": "GBP",
    "EBAY_DE": "EUR",
    "EBAY_FR": "EUR",
    "EBAY_IT": "EUR",
    "EBAY_ES": "EUR",
    "EBAY_AT": "EUR",
    "EBAY_IE": "EUR",
    "EBAY_NL": "EUR",
    "EBAY_BE": "EUR",
    "EBAY_CA": "CAD",
    "EBAY_AU": "AUD",
    "EBAY_CH": "CHF",
    "EBAY_PL": "PLN",
}


def search_urls(search: SearchTerms, base_url: str, options: SearchOptions) -> list[str]:
    """Browse API item_summary/search (price filters in the marketplace's currency)."""
    return [
        ebay_browse_url(
            query_of(search, "ebay_api"),
            marketplace=options.ebay_marketplace_id,
            price_min=search.price_min,
            price_max=search.price_max,
            currency=EBAY_CURRENCIES.get(options.ebay_marketplace_id, "USD"),
            conditions=list(search.conditions) or None,
            base_url=base_url,
        )
    ]


MARKETPLACE = Marketplace(SOURCE, "https://api.ebay.com", search_urls, marketplace="ebay")
