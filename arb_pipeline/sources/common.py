"""The canonical listing record shared by every parser, the errors parsers raise, and the
HTML helpers of the HTML parsers (selectolax's Lexbor engine)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

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

# eBay condition id -> canonical condition (the APIs' conditionId; search filters use the reverse)
EBAY_CONDITION_IDS = {
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


# One `\bword\b|...` pattern per canonical condition, tried in the order above.
_CONDITION_PATTERNS = tuple(
    (
        canonical,
        re.compile(r"\b(?:" + "|".join(re.escape(w.replace("-", " ")) for w in words) + r")\b"),
    )
    for canonical, words in _CONDITION_WORDS
)


def canonical_condition(raw: str | None, condition_id: str | None = None) -> str:
    """Map a marketplace's condition words (or an eBay condition id) to a canonical one."""
    if condition_id and condition_id in EBAY_CONDITION_IDS:
        return EBAY_CONDITION_IDS[condition_id]
    if not raw:
        return "unknown"
    return _condition_from_words(raw)


@lru_cache(maxsize=4096)
def _condition_from_words(raw: str) -> str:
    """canonical_condition's word matching; cached, as a marketplace repeats a few spellings."""
    text = raw.strip().lower().replace("_", " ").replace("-", " ")
    if text in ("like new", "likenew"):
        return "like_new"
    for canonical, pattern in _CONDITION_PATTERNS:
        if pattern.search(text):
            return canonical
    return "unknown"


def normalise_title(title: str | None) -> str:
    """Collapse whitespace in a title (str.split() splits on the same characters as regex \\s)."""
    if not title:
        return ""
    if not isinstance(title, str):
        raise TypeError(f"a title must be text, not {type(title).__name__}")
    return " ".join(title.split())


_NOT_PRICE_CHARS = re.compile(r"[^\d.,]")
_THOUSANDS_DOT = re.compile(r"[1-9]\d{0,2}\.\d{3}")


def parse_price(text: str | None) -> float | None:
    """Read a money amount such as '$1,299.00', '1.299,50 €' or '39000'; None when absent."""
    if text is None:
        return None
    cleaned = _NOT_PRICE_CHARS.sub("", str(text))
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
    elif cleaned.count(".") > 1 or _THOUSANDS_DOT.fullmatch(cleaned):
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


_FIELD_SET = frozenset(RECORD_FIELDS)


def make_record(**fields: Any) -> dict[str, Any]:
    """Build a canonical record: fills defaults, normalises the title and checks the enums.

    A parser building many records from one page should pass one `scraped_at` for all of them.
    """
    if not fields.keys() <= _FIELD_SET:
        raise TypeError(f"unknown record fields: {sorted(fields.keys() - _FIELD_SET)}")
    record = dict.fromkeys(RECORD_FIELDS)  # the canonical field order
    record.update(fields)
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


# A leading doctype keeps Lexbor out of quirks mode, where CSS class and id selectors would
# match regardless of case (and a <table> would not close an open <p>); the page's own doctype
# then only counts as a parse error.
_NO_QUIRKS = "<!DOCTYPE html>"


def html_tree(body: bytes) -> LexborHTMLParser:
    """The page parsed by Lexbor (HTML5 rules), undecodable bytes replaced and NULs dropped."""
    if b"\x00" not in body and _is_utf8(body):
        # the common case: Lexbor reads the bytes as they are, saving a copy or two (and a
        # page opening with the same doctype needs none put in front)
        if body[:15].lower() == b"<!doctype html>":
            return LexborHTMLParser(body)
        return LexborHTMLParser(_NO_QUIRKS.encode() + body)
    return LexborHTMLParser(_NO_QUIRKS + body.decode("utf-8", "replace").replace("\x00", ""))


_UTF8_CHUNK = 1 << 14


def _is_utf8(body: bytes) -> bool:
    """Whether the bytes are valid UTF-8, checked in pieces cut just before a "<" (an ASCII
    byte is never inside a character, so the whole is valid when every piece is). Decoding a
    3 MB page at once costs ~2 ms when one emoji makes Python widen the whole string to four
    bytes a character; in pieces only the pieces with such characters are widened."""
    view, start, size = memoryview(body), 0, len(body)
    while start < size:
        end = body.find(b"<", start + _UTF8_CHUNK)
        end = size if end < 0 else end
        try:
            str(view[start:end], "utf-8")
        except UnicodeDecodeError:
            return False
        start = end
    return True


def outermost(nodes: list[LexborNode]) -> list[LexborNode]:
    """The nodes less those inside another of them (CSS results come in document order)."""
    if len(nodes) < 2:
        return nodes
    kept: list[LexborNode] = []
    kept_ids: set[int] = set()  # node identity; LexborNode's == compares serialised HTML
    for node in nodes:
        parent = node.parent
        while parent is not None and parent.mem_id not in kept_ids:
            parent = parent.parent
        if parent is None:
            kept.append(node)
            kept_ids.add(node.mem_id)
    return kept


_CLASS_SEPARATOR = re.compile(r"[ \t\n\f\r]+")  # HTML whitespace, as CSS class matching splits


def elements(
    node: LexborNode,
) -> list[tuple[LexborNode, str, dict[str, str | None], set[str]]]:
    """The node and every element under it in document order, each with its tag, attributes
    and class names: what a CSS query from the node can match. A card read in one walk, its
    parts picked by tag and class, costs a fraction of one Lexbor CSS query per part (~6 µs
    each); `node.attributes` builds a new dict per call, so it is read once here."""
    found = []
    for element in node.traverse():
        if element.is_element_node:
            attributes = element.attributes
            names = attributes.get("class")
            found.append(
                (
                    element,
                    element.tag,
                    attributes,
                    set(_CLASS_SEPARATOR.split(names)) if names else _NO_NAMES,
                )
            )
    return found


_NO_NAMES: set[str] = set()


def nodes_text(nodes: list[LexborNode]) -> str | None:
    """The whitespace-normalised text under each of the nodes, or None when there is none."""
    return normalise_title(" ".join(node.text(separator=" ") for node in nodes)) or None


def text_pieces(nodes: list[LexborNode]) -> list[str]:
    """Every text node under the nodes in document order, once (CSS `q ::text`)."""
    return [
        piece.text_content or ""
        for node in outermost(nodes)
        for piece in node.traverse(include_text=True)
        if piece.is_text_node
    ]


def own_text_pieces(nodes: list[LexborNode]) -> list[str]:
    """The text nodes directly inside each node (CSS `q::text`)."""
    return [
        piece.text_content or ""
        for node in nodes
        for piece in node.iter(include_text=True)
        if piece.is_text_node
    ]


def text_pieces_outside(
    node: LexborNode, hidden: Callable[[LexborNode], bool], shown: LexborNode | None = None
) -> list[str]:
    """The text nodes under a node, less those inside an element (the node and its ancestors
    included) for which `hidden` is true. `shown`, an ancestor known to be neither hidden nor
    inside a hidden element, ends the check of the ancestors early."""
    ancestor: LexborNode | None = node
    stop = shown.mem_id if shown is not None else None
    while ancestor is not None and ancestor.mem_id != stop:
        if ancestor.is_element_node and hidden(ancestor):
            return []
        ancestor = ancestor.parent
    pieces: list[str] = []
    _collect_text(node, hidden, pieces)
    return pieces


def _collect_text(node: LexborNode, hidden: Callable[[LexborNode], bool], out: list[str]) -> None:
    child = node.first_child
    while child is not None:
        if child.is_text_node:
            out.append(child.text_content or "")
        elif child.is_element_node and not hidden(child):
            _collect_text(child, hidden, out)
        child = child.next


def attribute(node: LexborNode, name: str) -> str | None:
    """A node's attribute: None when absent, '' when it is written without a value."""
    value = node.attributes.get(name, _MISSING)
    if value is _MISSING:
        return None
    return "" if value is None else value


def first_attribute(nodes: list[LexborNode], name: str) -> str | None:
    """The first `name` attribute the nodes have (CSS `q::attr(name)`, first result)."""
    for node in nodes:
        value = attribute(node, name)
        if value is not None:
            return value
    return None


_MISSING = object()


def record_to_json(record: dict[str, Any]) -> str:
    """Serialise a record as one JSON line (timestamps as ISO-8601 UTC)."""
    return json.dumps(record, default=_json_default, ensure_ascii=False, sort_keys=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def collect_records(
    items: Iterable[Any], build: Callable[[Any], dict[str, Any]], url: str, what: str = "item"
) -> tuple[list[dict[str, Any]], list[str]]:
    """Build a record from each item (an API item, a schema.org product), once per listing_id;
    a broken one is skipped and reported ("<url>: <what> <index> skipped: ..."), the rest kept."""
    records, problems, seen = [], [], set()
    for index, item in enumerate(items):
        try:
            record = build(item)
        except (ParseError, AttributeError, TypeError, ValueError) as exc:
            problems.append(f"{url}: {what} {index} skipped: {exc}")
            continue
        if record["listing_id"] not in seen:
            seen.add(record["listing_id"])
            records.append(record)
    return records, problems


def with_query_param(url: str, name: str, value: str) -> str:
    """The URL with its `name` query parameter set to `value` (placed last), the rest kept."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    return urlunsplit(parts._replace(query=urlencode([*query, (name, value)])))


def truncation_problems(body: bytes, url: str) -> list[str]:
    """A problem message when an HTML page lacks its closing tag (a cut-off download)."""
    if b"</html>" not in body[-2000:].lower():
        return [f"{url}: page looks truncated (no closing </html>)"]
    return []
