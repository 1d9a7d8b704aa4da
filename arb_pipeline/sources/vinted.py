"""Parser for Vinted web API JSON: catalog item search (`items`) and item detail (`item`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urljoin

from arb_pipeline.sources.common import (
    BlockedPageError,
    ParseError,
    collect_records,
    make_record,
    parse_price,
    parse_timestamp,
    with_query_param,
)
from arb_pipeline.sources.pages import PageMarkers, load_json
from arb_pipeline.sources.search_urls import (
    Marketplace,
    SearchOptions,
    SearchTerms,
    codes,
    query_of,
    whole,
)

SOURCE = "vinted"
# Vinted's item statuses, by name and by status_id; "Very good" is lightly used with flaws.
_CONDITIONS = {
    "new with tags": "new",
    "new without tags": "new",
    "very good": "good",
    "good": "good",
    "satisfactory": "fair",
}
_STATUS_IDS = {
    "6": "new with tags",
    "1": "new without tags",
    "2": "very good",
    "3": "good",
    "4": "satisfactory",
}
_AUTH_ERRORS = ("invalid_authentication_token", "access_denied", "unauthorized", "forbidden")


PAGE_MARKERS = PageMarkers(
    expected="a Vinted catalog JSON object with an 'items' list (or an item)"
)


def _money(value: Any, currency: Any, url: str) -> tuple[float | None, str | None]:
    """An amount and currency from `{amount, currency_code}` or a legacy string plus currency."""
    if isinstance(value, dict):
        value, currency = value.get("amount"), value.get("currency_code") or currency
    if value in (None, ""):
        return None, None
    amount = parse_price(str(value))
    if amount is None:
        raise ParseError(f"{url}: unreadable amount {value!r}")
    if not currency:
        raise ParseError(f"{url}: amount {value!r} has no currency")
    return amount, str(currency)


def _condition(item: dict[str, Any]) -> tuple[str, str | None]:
    status = item.get("status")
    raw = status.strip() if isinstance(status, str) and not status.strip().isdigit() else None
    status_id = item.get("status_id") if item.get("status_id") is not None else status
    name = (raw or _STATUS_IDS.get(str(status_id).strip(), "")).lower()
    return _CONDITIONS.get(name, "unknown"), raw or (name.capitalize() or None)


def _photo(item: dict[str, Any]) -> dict[str, Any]:
    """The item's main photo object (search: `photo`, detail: the `is_main` one of `photos`)."""
    photos = [item["photo"]] if item.get("photo") else list(item.get("photos") or [])
    photos.sort(key=lambda photo: not photo.get("is_main"))
    return photos[0] if photos else {}


def _item(item: dict[str, Any], url: str) -> dict[str, Any]:
    if not item.get("id"):
        raise ParseError("item without id")
    currency = item.get("currency")
    price, currency = _money(item.get("price"), currency, url)
    total, _ = _money(item.get("total_item_price"), currency, url)
    fee, _ = _money(item.get("service_fee"), currency, url)
    user = item.get("user") or {}
    brand = item.get("brand_title") or (item.get("brand_dto") or {}).get("title")
    condition, condition_raw = _condition(item)
    where = ", ".join(str(user[k]) for k in ("city", "country_title_local") if user.get(k))
    photo = _photo(item)
    photo_ts = (photo.get("high_resolution") or {}).get("timestamp")
    created = item.get("created_at_ts") or item.get("created_at")
    attributes = {
        "total_item_price": total,
        "service_fee": fee,
        "size": item.get("size_title") or None,
        "favourite_count": item.get("favourite_count"),
        "view_count": item.get("view_count"),
        "seller_login": user.get("login"),
        "seller_feedback_count": user.get("feedback_count"),
        "seller_business": user.get("business"),
        "catalog_id": item.get("catalog_id"),
        "is_reserved": item.get("is_reserved") or None,
        "is_hidden": item.get("is_hidden") or None,
        "promoted": item.get("promoted") or None,
        "photo_uploaded_at": (
            datetime.fromtimestamp(photo_ts, UTC).isoformat()
            if isinstance(photo_ts, int | float)
            else None
        ),
        "description": item.get("description") or None,
    }
    return make_record(
        source=SOURCE,
        listing_id=item["id"],
        url=urljoin(url, item.get("url") or item.get("path") or f"/items/{item['id']}"),
        title=item.get("title"),
        price=price,
        currency=currency,
        condition=condition,
        condition_raw=condition_raw,
        brand=brand if brand and brand.upper() != "NO LABEL" else None,
        location=where or None,
        seller_id=str(user["id"]) if user.get("id") is not None else None,
        image_url=photo.get("url") or photo.get("full_size_url"),
        listed_at=(
            datetime.fromtimestamp(created, UTC)
            if isinstance(created, int | float)
            else parse_timestamp(created)
        ),
        status="sold" if item.get("is_closed") else "active",
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def _data(body: bytes, url: str) -> dict[str, Any]:
    data = load_json(body, url)
    if "items" in data or "item" in data:
        return data
    # An error answer (an expired session token, access denied, a rate limit) instead of
    # items: the API refused to answer, which is a block, not a changed layout
    code, message = data.get("message_code"), data.get("message")
    if code == "not_found":  # a deleted item: not a block (retrying will not help)
        raise ParseError(f"{url}: Vinted answered not_found ({message or 'no item'})")
    if code in _AUTH_ERRORS or data.get("code") is not None or message or data.get("errors"):
        reason = code or message or data.get("errors") or f"code {data.get('code')}"
        raise BlockedPageError(f"{url}: API error ({reason})")
    raise ParseError(f"{url}: missing 'items' and 'item' keys (keys: {sorted(data)[:10]})")


def parse_with_problems(body: bytes, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse a catalog search or item detail body into records plus one message per skipped item."""
    data = _data(body, url)
    items = data["items"] if "items" in data else [data["item"]]
    if not isinstance(items, list):
        raise ParseError(f"{url}: 'items' is not a list")
    return collect_records(items, lambda item: _item(item, url), url)


def parse(body: bytes, url: str) -> list[dict[str, Any]]:
    """Parse a Vinted API body into canonical records."""
    return parse_with_problems(body, url)[0]


def next_page(body: bytes, url: str) -> str | None:
    """The request URL with `page` set to the next page, or None on the last page."""
    pagination = _data(body, url).get("pagination") or {}
    current, total = pagination.get("current_page"), pagination.get("total_pages")
    if not isinstance(current, int) or not isinstance(total, int) or current >= total:
        return None
    return with_query_param(url, "page", str(current + 1))


# Searching: where a saved search's crawl starts on this marketplace.
VINTED_STATUS_IDS = {"new": ["6", "1"], "good": ["2", "3"], "fair": ["4"]}


def search_urls(search: SearchTerms, base_url: str, options: SearchOptions) -> list[str]:
    """Vinted's catalog items API, newest first."""
    params: list[tuple[str, str]] = [
        ("search_text", query_of(search, "vinted")),
        ("order", "newest_first"),
        ("per_page", "96"),
        ("page", "1"),
    ]
    if search.price_min is not None:
        params.append(("price_from", whole(search.price_min)))
    if search.price_max is not None:
        params.append(("price_to", whole(search.price_max)))
    params += [("status_ids[]", code) for code in codes(VINTED_STATUS_IDS, search.conditions)]
    return [f"{base_url}/api/v2/catalog/items?{urlencode(params)}"]


MARKETPLACE = Marketplace(
    SOURCE,
    "https://www.vinted.co.uk",
    search_urls,
    warmup_path="/",
    headers={"Accept": "application/json"},
)
