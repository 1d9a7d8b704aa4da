"""The canonical listing record shared by every parser, and the errors parsers raise."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

CONDITIONS = ("new", "like_new", "good", "fair", "for_parts", "unknown")
STATUSES = ("active", "sold", "ended", "removed")

RECORD_FIELDS = (
    "source",
    "listing_id",
    "url",
    "title",
    "price",
    "currency",
    "shipping_price",
    "condition",
    "condition_raw",
    "category_raw",
    "brand",
    "location",
    "seller_id",
    "image_url",
    "listed_at",
    "status",
    "scraped_at",
    "attributes",
)


class ParseError(ValueError):
    """The page is not in the shape the parser expects (malformed or a changed layout)."""


class BlockedPageError(ParseError):
    """The marketplace answered with a captcha, JS challenge, login wall or access-denied page."""


_BLOCK_MARKERS = (
    "captcha",
    "are you a robot",
    "are you a human",
    "verify you are human",
    "access denied",
    "pardon our interruption",
    "checking your browser",
    "enable javascript and cookies",
    "please log in to continue",
    "you have been blocked",
)


def raise_if_blocked(body: bytes, url: str) -> None:
    """Raise BlockedPageError when a small page reads like a block or challenge page."""
    head = body[:20000].decode("utf-8", "replace").lower()
    for marker in _BLOCK_MARKERS:
        if marker in head:
            raise BlockedPageError(f"{url}: blocked page ({marker!r} found)")


_CONDITION_WORDS = (
    (
        "for_parts",
        ("for parts", "parts only", "not working", "broken", "spares", "defekt", "salvage"),
    ),
    ("like_new", ("like new", "open box", "excellent", "mint", "refurbished", "certified")),
    ("new", ("new", "brand new", "sealed", "new with tags", "new with box")),
    ("good", ("good", "used", "very good", "pre-owned")),
    ("fair", ("fair", "acceptable", "worn", "heavily used")),
)

_EBAY_CONDITION_IDS = {
    "1000": "new",
    "1500": "like_new",  # "New other / open box"
    "1750": "new",
    "2000": "like_new",
    "2010": "like_new",
    "2020": "like_new",
    "2030": "like_new",
    "2500": "like_new",
    "2750": "like_new",
    "3000": "good",
    "4000": "good",
    "5000": "good",
    "6000": "fair",
    "7000": "for_parts",
}


def canonical_condition(raw: str | None, condition_id: str | None = None) -> str:
    """Map a marketplace's condition words (or an eBay condition id) to a canonical one."""
    if condition_id and condition_id in _EBAY_CONDITION_IDS:
        return _EBAY_CONDITION_IDS[condition_id]
    if not raw:
        return "unknown"
    text = raw.strip().lower().replace("_", " ").replace("-", " ")
    if text in ("like new", "likenew"):
        return "like_new"
    for canonical, words in _CONDITION_WORDS:
        if any(re.search(rf"\b{re.escape(w.replace('-', ' '))}\b", text) for w in words):
            return canonical
    return "unknown"


def normalise_title(title: str | None) -> str:
    """Collapse whitespace in a title."""
    return re.sub(r"\s+", " ", title or "").strip()


def parse_price(text: str | None) -> float | None:
    """Read a money amount such as '$1,299.00', '1.299,50 €' or '39000'; None when absent."""
    if text is None:
        return None
    cleaned = re.sub(r"[^\d.,]", "", str(text))
    if not cleaned:
        return None
    if "," in cleaned and "." in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        whole, _, frac = cleaned.rpartition(",")
        cleaned = f"{whole.replace(',', '')}.{frac}" if len(frac) == 2 else cleaned.replace(",", "")
    elif cleaned.count(".") > 1 or re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", cleaned):
        cleaned = cleaned.replace(".", "")  # German/Polish thousands dots: 1.250 € is 1250
    try:
        return float(cleaned)
    except ValueError:
        return None


def parse_timestamp(text: str | None) -> datetime | None:
    """Parse an ISO-8601-ish timestamp into an aware UTC datetime (naive input is taken as UTC)."""
    if not text:
        return None
    value = text.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def make_record(**fields: Any) -> dict[str, Any]:
    """Build a canonical record: fills defaults, normalises the title and checks the enums."""
    record = {name: fields.pop(name, None) for name in RECORD_FIELDS}
    if fields:
        raise TypeError(f"unknown record fields: {sorted(fields)}")
    record["title"] = normalise_title(record["title"])
    if not record["title"]:
        raise ParseError(f"{record['url']}: listing {record['listing_id']} has no title")
    record["listing_id"] = str(record["listing_id"])
    record["condition"] = record["condition"] or "unknown"
    record["status"] = record["status"] or "active"
    record["scraped_at"] = record["scraped_at"] or datetime.now(UTC)
    record["attributes"] = record["attributes"] or {}
    if record["condition"] not in CONDITIONS:
        raise ValueError(f"condition {record['condition']!r} is not one of {CONDITIONS}")
    if record["status"] not in STATUSES:
        raise ValueError(f"status {record['status']!r} is not one of {STATUSES}")
    return record


def record_to_json(record: dict[str, Any]) -> str:
    """Serialise a record as one JSON line (timestamps as ISO-8601 UTC)."""
    return json.dumps(record, default=_json_default, ensure_ascii=False, sort_keys=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")
