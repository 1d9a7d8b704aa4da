"""Every fetched page ends in exactly one of five states, decided here and nowhere else.

`results`: one or more listings (or the ad of an ad page); `empty`: the marketplace's own "no
results" wording was recognised; `blocked`: a captcha, JS challenge, login wall, access-denied or
rate-limit page (or HTTP 403/429); `removed`: an expired, deleted, reserved or sold ad;
`unrecognized`: none of these, a layout the parser does not know. Zero records is only ever
`empty` when the marketplace said so: a layout change must never look like a quiet market.

Each marketplace module declares its `PAGE_MARKERS`; block detection is shared, and parsers ask
it early through `raise_if_blocked` (HTML) and `load_json` (API answers).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType
from typing import Any, NamedTuple

from selectolax.lexbor import LexborHTMLParser

from arb_pipeline.sources.common import BlockedPageError, ParseError, html_tree

RESULTS, EMPTY, BLOCKED, REMOVED, UNRECOGNIZED = (
    "results",
    "empty",
    "blocked",
    "removed",
    "unrecognized",
)
PAGE_STATES = (RESULTS, EMPTY, BLOCKED, REMOVED, UNRECOGNIZED)
BLOCKING_STATUSES = frozenset({401, 403, 429})


@dataclass(frozen=True)
class PageMarkers:
    """How a marketplace's pages say what they are (phrases are matched lowercased).

    `expected` names what the parser looks for, for the "layout changed" message; `empty` and
    `removed` are the site's own wording (or CSS selectors, `empty_css`/`removed_css`) on the
    visible text; `blocked` adds the site's own block wording to the shared one. A site whose
    pages `render_js` is fetched through a browser, so a script-only page of it is an unrendered
    fetch (the parser says so), not a challenge.
    """

    expected: str
    empty: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()
    empty_css: str | None = None
    removed_css: str | None = None
    render_js: bool = False


@dataclass
class PageResult:
    """A parsed page: its state, its records, problems with single items, and the reason for a
    blocked or unrecognized page."""

    state: str
    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    reason: str | None = None


# Shared block detection. Vendor fingerprints are read from the raw page (script sources,
# form actions); wording from the visible text.
_BLOCK_FINGERPRINTS = (
    ("captcha-delivery.com", "DataDome captcha"),
    ("geo.captcha-delivery", "DataDome captcha"),
    ("challenges.cloudflare.com", "Cloudflare challenge"),
    ("/cdn-cgi/challenge-platform", "Cloudflare challenge"),
    ("cf-chl-", "Cloudflare challenge"),
    ("_cf_chl_opt", "Cloudflare challenge"),
    ("px-captcha", "PerimeterX captcha"),
    ("perimeterx", "PerimeterX challenge"),
    ("_incapsula_resource", "Imperva/Incapsula challenge"),
    ("hcaptcha.com", "hCaptcha"),
    ("www.google.com/recaptcha", "reCAPTCHA"),
    ("g-recaptcha", "reCAPTCHA"),
    ("awswaf", "AWS WAF challenge"),
    ("kpsdk", "Kasada challenge"),
    ("splashui/challenge", "eBay challenge"),
    ("sec-if-cpt", "Akamai challenge"),
    ("_abck", "Akamai bot manager"),
)
_BLOCK_WORDS = (
    "captcha",
    "are you a robot",
    "are you a human",
    "verify you are human",
    "verify you are a human",
    "not a robot",
    "access denied",
    "access to this page has been denied",
    "pardon our interruption",
    "checking your browser",
    "checking if the site connection is secure",
    "just a moment...",
    "enable javascript and cookies",
    "please enable js and disable any ad blocker",
    "please log in to continue",
    "log in to continue",
    "you have been blocked",
    "you've been blocked",
    "request blocked",
    "too many requests",
    "rate limit exceeded",
    "unusual traffic",
)
_INVISIBLE = "script, style, noscript, template, svg"
_MIN_VISIBLE_CHARS = 200


def _visible_text(page: LexborHTMLParser) -> str:
    """The lowercased, whitespace-collapsed text a reader sees (scripts and styles left out)."""
    body = page.body  # the tree is the caller's own copy, so scripts are taken out of it
    if body is None:
        return ""
    for node in body.css(_INVISIBLE):
        node.decompose()
    return " ".join(body.text(separator=" ").split()).lower()


def _title(page: LexborHTMLParser) -> str:
    title = page.css_first("title")
    return " ".join(title.text().split()).lower() if title is not None else ""


def _is_html(body: bytes) -> bool:
    return body.lstrip()[:1] not in (b"{", b"[")


class _Reading(NamedTuple):
    """What the state rules read from a page's HTML."""

    tree: LexborHTMLParser  # the body's scripts, styles and other invisible elements taken out
    title: str
    text: str
    has_scripts: bool  # anywhere on the page
    head_scripts: bool  # outside the body (what block_reason's own script-only check looks at)


class _Page:
    """A fetched page as the state rules read it: its HTML is parsed once, on first use."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.is_html = _is_html(body)

    @cached_property
    def read(self) -> _Reading:
        """The page's tree, title, visible text and whether it carries scripts."""
        tree = html_tree(self.body)
        scripts = tree.css_matches("script")  # before _visible_text takes the body's out
        text = _visible_text(tree)
        return _Reading(tree, _title(tree), text, scripts, tree.css_matches("script"))


def block_reason(
    body: bytes, markers: PageMarkers | None = None, status: int = 200, script_only: bool = True
) -> str | None:
    """Why a page reads as a block (challenge vendor, block wording in the title or text, a
    script-only body when `script_only`), or None."""
    return _block_reason(_Page(body), markers, status, script_only)


def raise_if_blocked(body: bytes, url: str) -> None:
    """Raise BlockedPageError when the page reads as a block or challenge page."""
    reason = block_reason(body)
    if reason:
        raise BlockedPageError(f"{url}: {reason}")


def load_json(
    body: bytes, url: str, object_hook: Callable[[dict], Any] | None = None
) -> dict[str, Any]:
    """Decode a JSON object body; an HTML block page raises BlockedPageError, else ParseError."""
    try:
        data = json.loads(body, object_hook=object_hook)
    except ValueError as exc:
        if body.lstrip()[:1] == b"<":
            raise_if_blocked(body, url)
        raise ParseError(f"{url}: body is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ParseError(f"{url}: expected a JSON object, got {type(data).__name__}")
    return data


def _block_reason(
    page: _Page, markers: PageMarkers | None, status: int, script_only: bool
) -> str | None:
    if status in BLOCKING_STATUSES:
        return f"HTTP {status} (blocked or rate limited)"
    if not page.is_html:
        return None
    raw = page.body[:200_000].decode("utf-8", "replace").lower()
    for fingerprint, vendor in _BLOCK_FINGERPRINTS:
        if fingerprint in raw:
            return f"{vendor} ({fingerprint!r} in the page)"
    for word in (*(markers.blocked if markers else ()), *_BLOCK_WORDS):
        if word in page.read.text or word in page.read.title:
            return f"block page ({word!r} on the page)"
    return _script_only(page.read.text, page.read.head_scripts) if script_only else None


def _script_only(text: str, scripts: bool) -> str | None:
    """A page whose body has almost no text while scripts carry everything: a JS challenge."""
    chars = len(text)
    if chars < _MIN_VISIBLE_CHARS and scripts:
        return f"script-only page ({chars} characters of text): a JavaScript challenge"
    return None


def _says(page: _Page, phrases: tuple[str, ...], css: str | None) -> bool:
    return any(phrase in page.read.text for phrase in phrases) or bool(
        css and page.read.tree.css_matches(css)
    )


def classify(
    body: bytes,
    records: list[dict[str, Any]],
    problems: list[str],
    markers: PageMarkers,
    status: int = 200,
    error: ParseError | None = None,
) -> PageResult:
    """The state of a page from what its parser returned (or raised) and the site's markers."""
    if isinstance(error, BlockedPageError):
        return PageResult(BLOCKED, problems=problems, reason=str(error))
    if records:
        state = REMOVED if all(r["status"] == "removed" for r in records) else RESULTS
        return PageResult(state, records, problems)
    page = _Page(body)
    reason = _block_reason(page, markers, status, script_only=False)
    if reason:
        return PageResult(BLOCKED, problems=problems, reason=reason)
    skipped = [p for p in problems if "truncated" not in p]
    if page.is_html:
        if not skipped and _says(page, markers.removed, markers.removed_css):
            return PageResult(REMOVED, problems=problems)
        if not skipped and _says(page, markers.empty, markers.empty_css):
            return PageResult(EMPTY, problems=problems)
        if not markers.render_js and (
            reason := _script_only(page.read.text, page.read.has_scripts)
        ):
            return PageResult(BLOCKED, problems=problems, reason=reason)
    if error is None and not page.is_html and not skipped:
        return PageResult(EMPTY, problems=problems)  # an API answer the parser read: none
    found = str(error) if error else (skipped[0] if skipped else "no listing read")
    return PageResult(
        UNRECOGNIZED,
        problems=problems,
        reason=f"layout changed: expected {markers.expected}; {found}",
    )


def read_page(parser: ModuleType, body: bytes, url: str, status: int = 200) -> PageResult:
    """Parse a page with a marketplace's parser module and decide its state."""
    markers: PageMarkers = parser.PAGE_MARKERS
    if status in BLOCKING_STATUSES:
        return PageResult(BLOCKED, reason=f"{url}: HTTP {status} (blocked or rate limited)")
    try:
        records, problems = parser.parse_with_problems(body, url)
    except ParseError as error:
        return classify(body, [], [], markers, status, error)
    return classify(body, records, problems, markers, status)


_SPACES = re.compile(r"\s+")


def one_line(text: str | None) -> str:
    """A reason on one line (for stderr and metadata)."""
    return _SPACES.sub(" ", text or "").strip()
