"""Money and dates as marketplaces write them, read through the field's kept libraries:
price-parser (amounts and currency signs in every locale) and dateparser (relative and local
dates in German, Polish, French…). Parsers call these instead of hand-written parsing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import dateparser
from price_parser import Price

# Currency signs as pages write them, longest first; "$" alone is ambiguous and needs the site.
_SIGNS = (
    (re.compile(r"\bUS\s?\$"), "USD"),
    (re.compile(r"\bC\s?\$|\bCA\$"), "CAD"),
    (re.compile(r"\bAU\s?\$|\bA\$"), "AUD"),
    (re.compile(r"\bNZ\s?\$"), "NZD"),
    (re.compile(r"£"), "GBP"),
    (re.compile(r"€"), "EUR"),
    (re.compile(r"zł|\bzl\b", re.I), "PLN"),
    (re.compile(r"\blei\b", re.I), "RON"),
    (re.compile(r"лв"), "BGN"),
    (re.compile(r"грн|₴"), "UAH"),
    (re.compile(r"₸|\bтг\b"), "KZT"),
    (re.compile(r"¥"), "JPY"),
    (re.compile(r"\b(USD|EUR|GBP|PLN|CAD|AUD|CHF|SEK|NOK|DKK|CZK|HUF|RON|BGN|UAH|KZT)\b"), None),
)


@lru_cache(maxsize=8192)  # a page repeats a few price texts; the signs cost 13 searches each
def currency_of(text: str | None, dollar: str | None = None) -> str | None:
    """The ISO 4217 code a price text's sign or code names; a bare "$" is `dollar` (the site's
    dollar, e.g. "USD" on ebay.com), None when the text names no currency."""
    if not text:
        return None
    for pattern, code in _SIGNS:
        if found := pattern.search(text):
            return code or found.group(1)
    return dollar if "$" in text else None


def read_money(
    text: str | None, dollar: str | None = None, decimal_separator: str | None = None
) -> tuple[float | None, str | None]:
    """The amount and ISO currency of a price text such as '$1,299.00', '1.299,50 €' or
    '2 750 zł'; (None, None) when the text holds no amount."""
    if not text:
        return None, None
    return _money(text, dollar, decimal_separator)


@lru_cache(maxsize=8192)  # read once per distinct text: prices repeat across cards and pages
def _money(
    text: str, dollar: str | None, decimal_separator: str | None
) -> tuple[float | None, str | None]:
    amount = Price.fromstring(" ".join(text.split()), decimal_separator=decimal_separator)
    value = amount.amount_float
    return (value, currency_of(text, dollar)) if value is not None else (None, None)


@lru_cache(maxsize=4096)
def _date(text: str, languages: tuple[str, ...], timezone: str, base: datetime) -> datetime | None:
    settings = {
        "TIMEZONE": timezone,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "past",
    }
    return dateparser.parse(text, languages=list(languages), settings=settings)


def read_date(
    text: str | None, languages: tuple[str, ...], timezone: str, now: datetime
) -> datetime | None:
    """A marketplace's local date ("Heute, 10:15", "Dzisiaj o 14:41", "03 lutego 2026") in
    UTC, relative words read against `now` in the site's time zone; None when unreadable."""
    if not text or not text.strip():
        return None
    # dateparser reads relative words against a naive base in the site's own zone; the minute
    # is enough precision and keeps the cache useful across one page's dates
    base = now.astimezone(ZoneInfo(timezone)).replace(tzinfo=None, second=0, microsecond=0)
    parsed = _date(" ".join(text.split()), languages, timezone, base)
    return parsed.astimezone(UTC) if parsed is not None else None
