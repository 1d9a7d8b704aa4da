"""Reading past trades from a spreadsheet (CSV) or a marketplace's order export (Parquet).

Each row is checked on its own: bad rows are reported by their row number and the good ones
land. A row's import key is its `external_id` (per marketplace) when given, else its purchase
(title, price, date, currency) and how many identical purchases came before it in the file,
so importing the same file again adds nothing, and two identical items bought the same day
stay two trades. `fees` and `shipping` are the sale's (they come off the proceeds); on a row not
sold yet, `shipping` is what the purchase's shipping cost.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from arb_pipeline.trades.ledger import ImportRow, Sale
from arb_pipeline.trades.money import TradeError, to_cents

REQUIRED = ("title", "bought_price", "bought_at")
OPTIONAL = (
    "sold_price",
    "sold_at",
    "marketplace",
    "fees",
    "shipping",
    "currency",
    "category",
    "condition",
    "external_id",
)
CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class BadRow:
    """A refused row: its number as the user sees it (CSV: the file's line) and why."""

    number: int
    reason: str

    def __str__(self) -> str:
        return f"row {self.number}: {self.reason}"


def read_table(path: Path) -> tuple[list[dict[str, str | None]], int]:
    """The file's rows as text values, and the number of the first data row (CSV line 2,
    after its header; Parquet row 1). TradeError when unreadable or missing columns."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame, first = pl.read_parquet(path), 1
        elif suffix in (".csv", ".txt"):
            frame, first = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy"), 2
        else:
            raise TradeError(f"{path}: expected a .csv or .parquet file")
    except (OSError, pl.exceptions.PolarsError) as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise TradeError(f"cannot read {path}: {detail}") from None
    frame = frame.rename({name: name.strip().lower() for name in frame.columns})
    missing = [name for name in REQUIRED if name not in frame.columns]
    if missing:
        raise TradeError(f"{path}: missing column(s) {', '.join(missing)}")
    frame = frame.select([name for name in (*REQUIRED, *OPTIONAL) if name in frame.columns])
    return [{k: _text(v) for k, v in row.items()} for row in frame.iter_rows(named=True)], first


def _text(value: object) -> str | None:
    """A cell as stripped text; None when empty. Floats from Parquet within a rounding error
    of a cent are written with two decimals (12.300000000000001 is 12.30)."""
    if value is None:
        return None
    if isinstance(value, float) and abs(value - round(value, 2)) < 1e-6:
        return f"{value:.2f}"
    text = str(value).strip()
    return text or None


def _date(value: str | None, what: str) -> date:
    """An ISO date (a timestamp keeps its date), else TradeError."""
    if value is None:
        raise TradeError(f"{what} is empty")
    try:
        return date.fromisoformat(value[:10]) if len(value) >= 10 else date.fromisoformat(value)
    except ValueError:
        try:
            return datetime.fromisoformat(value).date()
        except ValueError:
            raise TradeError(f"{what} must be a date like 2026-03-31, got {value!r}") from None


def parse_rows(
    rows: list[dict[str, str | None]], first: int, default_currency: str, today: date
) -> tuple[list[ImportRow], list[BadRow]]:
    """Validate every row; return the good ones (with their import keys) and the bad ones."""
    good: list[ImportRow] = []
    bad: list[BadRow] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        number = first + index
        try:
            good.append(_parse_row(row, default_currency, today, seen))
        except TradeError as error:
            bad.append(BadRow(number, str(error)))
    return good, bad


def _parse_row(
    row: dict[str, str | None], default_currency: str, today: date, seen: dict[str, int]
) -> ImportRow:
    title = " ".join((row.get("title") or "").split())
    if not title:
        raise TradeError("title is empty")
    if row.get("bought_price") is None:
        raise TradeError("bought_price is empty")
    bought_cents = to_cents(row["bought_price"], "bought_price")
    bought_at = _date(row.get("bought_at"), "bought_at")
    if bought_at > today:
        raise TradeError(f"bought_at {bought_at} is in the future")
    currency = (row.get("currency") or default_currency).upper()
    if not CURRENCY.match(currency):
        raise TradeError(f"currency must be an ISO code like USD, got {row.get('currency')!r}")
    shipping = to_cents(row.get("shipping") or "0", "shipping")
    marketplace = (row.get("marketplace") or "").strip().lower() or None
    sale = None
    sold_price, sold_at = row.get("sold_price"), row.get("sold_at")
    if (sold_price is None) != (sold_at is None):
        raise TradeError("sold_price and sold_at go together: give both or neither")
    if sold_price is not None:
        on = _date(sold_at, "sold_at")
        if on < bought_at:
            raise TradeError(f"sold_at {on} is before bought_at {bought_at}")
        if on > today:
            raise TradeError(f"sold_at {on} is in the future")
        fees = row.get("fees")
        sale = Sale(
            on=on,
            price_cents=to_cents(sold_price, "sold_price"),
            marketplace=marketplace,
            fees_cents=None if fees is None else to_cents(fees, "fees"),
            shipping_cents=shipping,
        )
    elif row.get("fees") is not None:
        raise TradeError("fees given without a sale (sold_price, sold_at)")
    external = row.get("external_id")
    if external is not None:
        key = f"ext:{marketplace or ''}:{external}"
    else:
        identity = f"{title.casefold()}|{bought_cents}|{bought_at}|{currency}"
        digest = hashlib.sha256(identity.encode()).hexdigest()[:24]
        seen[digest] = seen.get(digest, 0) + 1
        key = f"row:{digest}:{seen[digest]}"
    return ImportRow(
        key=key,
        title=title,
        currency=currency,
        bought_at=bought_at,
        bought_cents=bought_cents,
        shipping_cents=0 if sale else shipping,
        category=row.get("category"),
        condition=row.get("condition"),
        sale=sale,
    )
