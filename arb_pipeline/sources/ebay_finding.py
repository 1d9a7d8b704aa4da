"""Parser for eBay Finding API `findCompletedItems` JSON responses (plain or list-wrapped)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from arb_pipeline.sources.common import (
    BlockedPageError,
    ParseError,
    canonical_condition,
    collect_records,
    make_record,
    parse_price,
    parse_timestamp,
    with_query_param,
)
from arb_pipeline.sources.ebay_api import money
from arb_pipeline.sources.pages import PageMarkers, load_json

SOURCE = "ebay_finding"
PAGE_PARAM = "paginationInput.pageNumber"
MAX_PAGE = 100  # the Finding API refuses pageNumber above 100 (10,000 results)
_UNUSED = frozenset({"aspectHistogramContainer"})  # large, and no listing data in it


PAGE_MARKERS = PageMarkers(expected="a Finding API JSON answer with 'searchResult'")


def _unwrap(value: list[Any]) -> Any:
    """Drop the single-element lists of raw Finding API JSON (objects are done by `_object`)."""
    if len(value) == 1:
        value = value[0]
        return _unwrap(value) if isinstance(value, list) else value  # the common ["text"]
    return [_unwrap(v) if isinstance(v, list) else v for v in value]


class _Keys(dict[str, str]):
    """`__value__` is `value` and `@currencyId` is `_currencyId`; remembers each key it saw."""

    def __missing__(self, key: str) -> str:
        name = "value" if key == "__value__" else "_" + key[1:] if key.startswith("@") else key
        self[key] = name
        return name


_KEYS = _Keys()


def _object(raw: dict[str, Any]) -> dict[str, Any]:
    """A JSON object with `@`/`__value__` keys renamed and its single-element lists dropped.

    Called by the JSON decoder for each object as it is read, inner objects first.
    """
    keys = _KEYS
    return {
        keys[key]: _unwrap(value) if value.__class__ is list else value
        for key, value in raw.items()
        if key not in _UNUSED
    }


def _response(body: bytes, url: str) -> dict[str, Any]:
    data = load_json(body, url, object_hook=_object)
    wrapped = [key for key in data if key.endswith("Response")]
    if len(wrapped) == 1 and isinstance(data[wrapped[0]], dict):
        data = data[wrapped[0]]
    # A failed call (an invalid application id, an exceeded call limit) answers with `ack`
    # Failure inside the wrapper, or with a bare `errorMessage` outside it: nothing readable
    if data.get("ack") == "Failure" or ("errorMessage" in data and "searchResult" not in data):
        error = (data.get("errorMessage") or {}).get("error") or {}
        error = error[0] if isinstance(error, list) else error
        message = error.get("message", "no message") if isinstance(error, dict) else error
        raise BlockedPageError(f"{url}: Finding API failure: {message}")
    return data


_FLAGS = {"true": True, "false": False}


def _flag(value: Any) -> bool | None:
    return _FLAGS.get(str(value).lower()) if value is not None else None


def _item(item: dict[str, Any], url: str, scraped_at: datetime) -> dict[str, Any]:
    selling = item.get("sellingStatus") or {}
    listing = item.get("listingInfo") or {}
    seller = item.get("sellerInfo") or {}
    condition = item.get("condition") or {}
    price = selling.get("currentPrice") or {}
    ended_at = parse_timestamp(listing.get("endTime"))
    attributes = {
        "ended_at": ended_at.isoformat() if ended_at else None,
        "selling_state": selling.get("sellingState"),
        "listing_type": listing.get("listingType"),
        "best_offer_enabled": _flag(listing.get("bestOfferEnabled")),
        "buy_it_now_available": _flag(listing.get("buyItNowAvailable")),
        "bid_count": int(selling["bidCount"]) if selling.get("bidCount") else None,
        "seller_feedback_score": int(seller["feedbackScore"])
        if "feedbackScore" in seller
        else None,
        "seller_positive_feedback_percent": parse_price(seller.get("positiveFeedbackPercent")),
        "seller_top_rated": _flag(seller.get("topRatedSeller")),
    }
    if not item.get("itemId") or not item.get("viewItemURL"):
        raise ParseError(f"{url}: item without itemId or viewItemURL")
    return make_record(
        source=SOURCE,
        listing_id=item["itemId"],
        url=item["viewItemURL"],
        title=item.get("title"),
        price=money(price, url),
        currency=price.get("_currencyId"),
        shipping_price=money((item.get("shippingInfo") or {}).get("shippingServiceCost"), url),
        condition=canonical_condition(
            condition.get("conditionDisplayName"), condition.get("conditionId")
        ),
        condition_raw=condition.get("conditionDisplayName"),
        category_raw=(item.get("primaryCategory") or {}).get("categoryName"),
        location=item.get("location"),
        seller_id=seller.get("sellerUserName"),
        image_url=item.get("pictureURLLarge") or item.get("galleryURL"),
        listed_at=parse_timestamp(listing.get("startTime")),
        status="sold" if selling.get("sellingState") == "EndedWithSales" else "ended",
        scraped_at=scraped_at,
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def parse_with_problems(body: bytes, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse a findCompletedItems response into records plus one message per skipped item."""
    data = _response(body, url)
    if not isinstance(data.get("searchResult"), dict):
        raise ParseError(f"{url}: missing 'searchResult' object (keys: {sorted(data)})")
    items = data["searchResult"].get("item") or []
    scraped_at = datetime.now(UTC)
    items = items if isinstance(items, list) else [items]
    return collect_records(items, lambda item: _item(item, url, scraped_at), url)


def parse(body: bytes, url: str) -> list[dict[str, Any]]:
    """Parse a findCompletedItems response into canonical records (status sold or ended)."""
    return parse_with_problems(body, url)[0]


def next_page(body: bytes, url: str) -> str | None:
    """The request URL with `paginationInput.pageNumber` advanced, or None on the last page."""
    pagination = _response(body, url).get("paginationOutput") or {}
    try:
        page, total = int(pagination["pageNumber"]), int(pagination["totalPages"])
    except (KeyError, TypeError, ValueError):
        return None
    if page >= min(total, MAX_PAGE):
        return None
    return with_query_param(url, PAGE_PARAM, str(page + 1))
