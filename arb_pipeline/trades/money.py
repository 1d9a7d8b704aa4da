"""Money to the cent, marketplace fee schedules and dated exchange rates for the trades ledger.

Amounts are integer cents in the store and `Decimal` at the edges, so a realized profit adds up
to the cent; floats appear only in the model's predictions.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

CENT = Decimal("0.01")


TRADE_STATUSES = ("open", "listed", "sold")


def today() -> date:
    """Today in UTC (patched in tests)."""
    return datetime.now(UTC).date()


class TradeError(ValueError):
    """Input the ledger refuses; the ledger is left unchanged."""


def to_cents(value: object, what: str) -> int:
    """Parse a non-negative amount with at most two decimals (`12`, `12.5`, `12.50`) to cents."""
    text = str(value).strip().replace(",", "") if value is not None else ""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise TradeError(f"{what} must be an amount like 12.50, got {value!r}") from None
    if not amount.is_finite():
        raise TradeError(f"{what} must be an amount like 12.50, got {value!r}")
    if amount < 0:
        raise TradeError(f"{what} must not be negative, got {text}")
    if amount != amount.quantize(CENT):
        raise TradeError(f"{what} has more than two decimals: {text}")
    return int(amount * 100)


def from_cents(cents: int | None) -> Decimal | None:
    """Cents as a Decimal amount with two decimals (None stays None)."""
    return None if cents is None else (Decimal(cents) / 100).quantize(CENT)


@dataclass(frozen=True)
class FeeRule:
    """One row of dbt_project/seeds/marketplace_fees.csv (a seller's fees on one marketplace)."""

    marketplace: str
    valid_from: date
    category: str
    currency: str
    final_value_fee_pct: Decimal
    fee_threshold: Decimal
    fee_pct_above_threshold: Decimal
    fixed_fee_per_order: Decimal
    payment_fee_pct: Decimal
    payment_fixed_fee: Decimal

    def fees_cents(self, sale_cents: int) -> int:
        """The seller's fees on a sale, as the warehouse's exit_fees macro computes them."""
        price = Decimal(sale_cents) / 100
        fees = (
            min(price, self.fee_threshold) * self.final_value_fee_pct / 100
            + max(price - self.fee_threshold, Decimal(0)) * self.fee_pct_above_threshold / 100
            + self.fixed_fee_per_order
            + price * self.payment_fee_pct / 100
            + self.payment_fixed_fee
        )
        return int(fees.quantize(CENT, ROUND_HALF_UP) * 100)

    def describe(self) -> str:
        """The rule in words, e.g. `ebay schedule of 2024-02-15: 13.25% + 0.40 per order`."""
        parts = [f"{self.final_value_fee_pct.normalize():f}%"]
        if self.payment_fee_pct:
            parts.append(f"{self.payment_fee_pct.normalize():f}% payment")
        fixed = self.fixed_fee_per_order + self.payment_fixed_fee
        if fixed:
            parts.append(f"{fixed:.2f} per order")
        scope = "" if self.category == "*" else f", {self.category}"
        return f"{self.marketplace} schedule of {self.valid_from}{scope}: {' + '.join(parts)}"


class FeeSchedule:
    """Every marketplace's seller fees over time, from the marketplace_fees seed."""

    def __init__(self, rules: list[FeeRule]) -> None:
        self.rules = rules

    @classmethod
    def from_csv(cls, path: Path) -> FeeSchedule:
        """Read the seed file (header as in dbt_project/seeds/marketplace_fees.csv)."""
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        return cls(
            [
                FeeRule(
                    marketplace=row["marketplace"],
                    valid_from=date.fromisoformat(row["valid_from"]),
                    category=row["category"],
                    currency=row["currency"],
                    **{
                        name: Decimal(row[name])
                        for name in (
                            "final_value_fee_pct",
                            "fee_threshold",
                            "fee_pct_above_threshold",
                            "fixed_fee_per_order",
                            "payment_fee_pct",
                            "payment_fixed_fee",
                        )
                    },
                )
                for row in rows
            ]
        )

    def marketplaces(self) -> set[str]:
        """The marketplaces the schedule knows."""
        return {rule.marketplace for rule in self.rules}

    def rule(
        self, marketplace: str, on: date, category: str | None, currency: str | None = None
    ) -> FeeRule | None:
        """The rule in force on `on`: the item's own category when listed, else `*`; the
        marketplace's rows in the sale's currency when it has any (its other sites)."""
        valid = [r for r in self.rules if r.marketplace == marketplace and r.valid_from <= on]
        if any(r.currency == currency for r in valid):
            valid = [r for r in valid if r.currency == currency]
        for scope in (category, "*"):
            matching = [r for r in valid if r.category == scope]
            if matching:
                return max(matching, key=lambda r: r.valid_from)
        return None


class FxRates:
    """Dated exchange rates (seed fx_rates.csv: currency, valid_from, usd_per_unit)."""

    def __init__(self, rates: dict[str, list[tuple[date, Decimal]]]) -> None:
        self.rates = {cur: sorted(points) for cur, points in rates.items()}

    @classmethod
    def from_csv(cls, path: Path) -> FxRates:
        """Read the seed file."""
        rates: dict[str, list[tuple[date, Decimal]]] = {}
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                rates.setdefault(row["currency"], []).append(
                    (date.fromisoformat(row["valid_from"]), Decimal(row["usd_per_unit"]))
                )
        return cls(rates)

    def usd_per_unit(self, currency: str, on: date) -> Decimal | None:
        """The rate in force on `on`, or None when the currency or date is not covered."""
        points = [rate for start, rate in self.rates.get(currency, []) if start <= on]
        return points[-1] if points else None

    def convert_cents(self, cents: int, currency: str, to: str, on: date) -> int | None:
        """Cents of `currency` in `to` at the rates of `on`, to the cent; None if unknown."""
        if currency == to:
            return cents
        src, dst = self.usd_per_unit(currency, on), self.usd_per_unit(to, on)
        if src is None or dst is None:
            return None
        return int((Decimal(cents) * src / dst).quantize(Decimal(1), ROUND_HALF_UP))
