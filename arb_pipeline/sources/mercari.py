"""Parser for Mercari US search API items: JSON Lines, `items` or `data.search.itemsList`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from arb_pipeline.sources.common import (
    BlockedPageError,
    ParseError,
    collect_records,
    make_record,
    parse_timestamp,
)
from arb_pipeline.sources.pages import PageMarkers, raise_if_blocked
from arb_pipeline.sources.search_urls import (
    Marketplace,
    SearchOptions,
    SearchTerms,
    SearchUrlError,
    codes,
    query_of,
)

SOURCE = "mercari"
_ITEM_URL = "https://www.mercari.com/us/item/{}/"
_STATUSES = {
    "on_sale": "active",
    "trading": "sold",
    "sold_out": "sold",
    "sold": "sold",
    "inactive": "removed",
    "stop": "removed",
    "cancel": "removed",
    "deleted": "removed",
}
# Mercari US item conditions (id: name); "Poor" items may be broken or missing parts.
_CONDITIONS = {1: "new", 2: "like_new", 3: "good", 4: "fair", 5: "for_parts"}
_CONDITION_NAMES = {"new": 1, "like new": 2, "good": 3, "fair": 4, "poor": 5}


PAGE_MARKERS = PageMarkers(expected="a Mercari search JSON answer with its items")


def _unwrap(data: dict[str, Any], url: str) -> list[Any]:
    """The items of one JSON object: an API answer wrapping them (`data.search.itemsList`,
    `items`) or one item object; an error answer raises BlockedPageError, anything else
    ParseError."""
    search = (data.get("data") or {}).get("search") if isinstance(data.get("data"), dict) else None
    if isinstance(search, dict) and "itemsList" in search:
        return search["itemsList"] or []
    if "items" in data:
        return data["items"] or []
    if "id" in data and "name" in data:
        return [data]
    if data.get("errors"):  # GraphQL errors instead of data: an expired token, a rate limit
        errors = "; ".join(
            str(e.get("message") if isinstance(e, dict) else e) for e in data["errors"]
        )
        raise BlockedPageError(f"{url}: Mercari API error ({errors})")
    raise ParseError(f"{url}: no items (items / data.search.itemsList / an item object)")


def _load(body: bytes, url: str) -> tuple[dict[str, Any], list[Any], list[str]]:
    """The wrapper object (empty for JSON Lines), the raw items and per-line problems.

    A saved JSON Lines file holds one item object per line (or one API answer per line)."""
    if body.lstrip()[:1] == b"<":
        raise_if_blocked(body, url)
        raise ParseError(f"{url}: body is HTML, not Mercari API JSON")
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, list):
        return {}, data, []
    if isinstance(data, dict):
        items = _unwrap(data, url)
        return ({} if items and items[0] is data else data), items, []
    lines = [line for line in body.decode("utf-8", "replace").splitlines() if line.strip()]
    if not lines:
        raise ParseError(f"{url}: empty body")
    items, problems, decoded = [], [], 0
    for number, line in enumerate(lines, 1):
        try:
            value = json.loads(line)
        except ValueError as exc:
            problems.append(f"{url}: line {number} is not JSON ({exc})")
            continue
        decoded += 1
        try:
            items.extend(_unwrap(value, url) if isinstance(value, dict) else [value])
        except BlockedPageError:
            raise
        except ParseError as exc:
            problems.append(f"{url}: line {number} skipped: {exc}")
    if not decoded:
        raise ParseError(f"{url}: body is neither JSON nor JSON Lines")
    return {}, items, problems


def _time(value: Any) -> datetime | None:
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(int(value), UTC)
    return parse_timestamp(value) if isinstance(value, str) else None


def _cents(value: Any) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ParseError(f"unreadable price {value!r}")
    return int(value) / 100


def _name(value: Any) -> str | None:
    return (value.get("name") if isinstance(value, dict) else value) or None


def _item(item: dict[str, Any], scraped_at: datetime) -> dict[str, Any]:
    if not item.get("id"):
        raise ParseError("item without id")
    status = _STATUSES.get(str(item.get("status")).lower())
    if status is None:
        raise ParseError(f"unknown status {item.get('status')!r}")
    condition = item.get("itemCondition") or {}
    condition_raw = _name(condition)
    condition_id = condition.get("id") if isinstance(condition, dict) else None
    condition_id = condition_id or _CONDITION_NAMES.get((condition_raw or "").lower())
    hierarchy = [c.get("name") for c in item.get("itemCategoryHierarchy") or [] if c.get("name")]
    category = " > ".join(hierarchy) or _name(item.get("itemCategory")) or item.get("categoryTitle")
    photos = item.get("photos") or []
    photo = photos[0] if photos else None
    seller = item.get("seller") or {}
    payer = item.get("shippingPayer") or {}
    updated = _time(item.get("updated"))
    facets = {f.get("facetName"): f.get("value") for f in item.get("customFacetsList") or []}
    attributes = {
        "original_price": _cents(item.get("originalPrice")),
        "size": _name(item.get("itemSize")),
        "shipping_payer": payer.get("code"),
        "category_title": item.get("categoryTitle"),
        "category_id": item.get("categoryId"),
        "updated_at": updated.isoformat() if updated else None,
        "facets": facets or None,
        "description": item.get("description") or None,
    }
    return make_record(
        source=SOURCE,
        listing_id=item["id"],
        url=_ITEM_URL.format(item["id"]),
        title=item.get("name"),
        price=_cents(item.get("price")),
        currency="USD",
        shipping_price=0.0 if payer.get("code") == "seller" else None,
        condition=_CONDITIONS.get(condition_id or 0, "unknown"),
        condition_raw=condition_raw,
        category_raw=category or None,
        brand=_name(item.get("brand")),
        seller_id=str(seller["id"]) if seller.get("id") is not None else None,
        image_url=(photo.get("large") or photo.get("thumbnail"))
        if isinstance(photo, dict)
        else photo,
        listed_at=_time(item.get("created")),
        status=status,
        scraped_at=scraped_at,
        attributes={key: value for key, value in attributes.items() if value is not None},
    )


def parse_with_problems(body: bytes, url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse search API items into records (one per item id) plus one message per skipped item."""
    _, items, problems = _load(body, url)
    if not isinstance(items, list):
        raise ParseError(f"{url}: the items are not a list")
    scraped_at = datetime.now(UTC)
    records, skipped = collect_records(items, lambda item: _item(item, scraped_at), url)
    return records, problems + skipped


def parse(body: bytes, url: str) -> list[dict[str, Any]]:
    """Parse Mercari search API items into canonical records."""
    return parse_with_problems(body, url)[0]


def next_page(body: bytes, url: str) -> str | None:
    """For a GraphQL `searchQuery` URL whose page came back full, the URL of the next offset."""
    wrapper, items, _ = _load(body, url)
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    try:
        variables = json.loads(query["variables"])
        criteria = variables["criteria"]
        offset, length = int(criteria.get("offset") or 0), int(criteria["length"])
    except (KeyError, TypeError, ValueError):
        return None
    count = ((wrapper.get("data") or {}).get("search") or {}).get("count")
    if not items or len(items) < length or (isinstance(count, int) and offset + length >= count):
        return None
    criteria["offset"] = offset + length
    query["variables"] = json.dumps(variables, separators=(",", ":"))
    return urlunsplit(parts._replace(query=urlencode(query)))


# Searching: where a saved search's crawl starts on this marketplace.
MERCARI_CONDITIONS = {"new": [1], "like_new": [2], "good": [3], "fair": [4], "for_parts": [5]}
MERCARI_PAGE = 120


def search_urls(search: SearchTerms, base_url: str, options: SearchOptions) -> list[str]:
    """Mercari's GraphQL `searchQuery` as a persisted-query GET (prices in cents)."""
    if not options.mercari_query_hash:
        raise SearchUrlError(
            "mercari needs the sha256Hash of its searchQuery persisted query: set "
            "ARB_MERCARI_QUERY_HASH (copy it from a searchQuery request in your browser)"
        )
    criteria: dict[str, object] = {
        "query": query_of(search, "mercari"),
        "offset": 0,
        "length": MERCARI_PAGE,
        "itemConditions": codes(MERCARI_CONDITIONS, search.conditions),
    }
    if search.price_min is not None:
        criteria["minPrice"] = round(search.price_min * 100)
    if search.price_max is not None:
        criteria["maxPrice"] = round(search.price_max * 100)
    params = {
        "operationName": "searchQuery",
        "variables": json.dumps({"criteria": criteria}, separators=(",", ":")),
        "extensions": json.dumps(
            {"persistedQuery": {"version": 1, "sha256Hash": options.mercari_query_hash}},
            separators=(",", ":"),
        ),
    }
    return [f"{base_url}/v1/api?{urlencode(params)}"]


MARKETPLACE = Marketplace(SOURCE, "https://www.mercari.com", search_urls)
