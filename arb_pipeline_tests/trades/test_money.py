"""Fees from the fee seed and exchange rates, to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from arb_pipeline.trades.cli import fee_schedule, fx_rates
from arb_pipeline.trades.money import FeeRule, FeeSchedule, TradeError, to_cents


@pytest.mark.parametrize(
    ("marketplace", "on", "category", "price", "fees"),
    [
        ("ebay", date(2024, 1, 10), None, 10000, 1355),  # 2023 row: 13.25% + 0.30
        ("ebay", date(2025, 1, 10), None, 10000, 1365),  # from 2024-02-15: + 0.40
        ("ebay", date(2025, 1, 10), "Laptops & Netbooks", 10000, 1295),  # 12.55% + 0.40
        ("ebay", date(2025, 1, 10), None, 1000000, 105290),  # 993.75 + 2.35% of 2500 + 0.40
        ("mercari", date(2025, 1, 10), None, 5000, 695),  # 10% + 2.9% + 0.50
        ("craigslist", date(2025, 1, 10), None, 5000, 0),
    ],
)
def test_fees_follow_the_seed_on_the_sale_date(
    marketplace: str, on: date, category: str | None, price: int, fees: int
) -> None:
    rule = fee_schedule().rule(marketplace, on, category, "USD")
    assert rule is not None and rule.fees_cents(price) == fees


def test_no_rule_before_a_marketplace_has_one_and_same_currency_rows_first() -> None:
    assert fee_schedule().rule("vinted", date(2020, 1, 1), None) is None
    common = dict(
        valid_from=date(2024, 1, 1), category="*", fee_threshold=Decimal(10**6),
        fee_pct_above_threshold=Decimal(0), fixed_fee_per_order=Decimal(0),
        payment_fee_pct=Decimal(0), payment_fixed_fee=Decimal(0),
    )  # fmt: skip
    schedule = FeeSchedule(
        [
            FeeRule("shop", currency="USD", final_value_fee_pct=Decimal(10), **common),
            FeeRule("shop", currency="EUR", final_value_fee_pct=Decimal(7), **common),
        ]
    )
    assert schedule.rule("shop", date(2025, 1, 1), None, "EUR").final_value_fee_pct == 7
    assert schedule.rule("shop", date(2025, 1, 1), None, "GBP").final_value_fee_pct == 10


def test_amounts_and_rates() -> None:
    assert [to_cents(v, "x") for v in ("12", "12.5", "1,234.56", " 0.07 ")] == [
        1200, 1250, 123456, 7
    ]  # fmt: skip
    for bad in ("-1", "1.001", "abc", "nan", "inf", ""):
        with pytest.raises(TradeError):
            to_cents(bad, "x")
    fx = fx_rates()
    assert fx.convert_cents(10000, "EUR", "USD", date(2024, 6, 1)) == 10800  # 1.08 USD/EUR
    assert fx.convert_cents(10000, "EUR", "USD", date(2023, 6, 1)) == 10500  # 2022 rate
    assert fx.convert_cents(10000, "XYZ", "USD", date(2024, 6, 1)) is None
