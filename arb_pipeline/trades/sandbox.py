"""The sandbox plays the reseller: it buys the demo's proposals and sells some of them, so a new
user sees the ledger, the outcomes mart and the report filled in.

Everything is drawn from a seeded generator, so a demo gives the same trades each time; a
proposal already bought is skipped, so running the demo again adds no trade. Purchases are
back-dated over the last ~10 weeks (the sandbox has no history of its own) so the aging and
month-by-month views have something to show.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from arb_pipeline.alerts.store import BudgetExceeded, Budgets, StateStore
from arb_pipeline.trades.ledger import Sale, TradeLedger
from arb_pipeline.trades.money import FeeSchedule, TradeError
from arb_pipeline.trades.predictions import prediction_for_proposal

SOLD_SHARE = 0.65  # the rest stay in inventory, some past their predicted days to sell
Z_90 = 1.2816  # p90 of a standard normal: p10–p90 of a log-normal spans ±Z_90 sigma


@dataclass
class PlayedTrades:
    """What the sandbox reseller did."""

    bought: int = 0
    listed: int = 0
    sold: int = 0
    skipped: int = 0


def play_reseller(
    store: StateStore,
    warehouse: Path,
    schedule: FeeSchedule,
    today: date,
    seed: int = 7,
    budgets: Budgets | None = None,
) -> PlayedTrades:
    """Approve (within `budgets`; None: no limit) and buy every pending or approved proposal
    at its asking price, list each on its predicted exit at p90, and sell about two thirds at
    prices drawn from the predicted distribution (a log-normal through p10/p50/p90), fees
    from the fee schedule."""
    rng = random.Random(seed)
    ledger = TradeLedger(store)
    played = PlayedTrades()
    for proposal in store.list_proposals():
        if proposal["status"] not in ("pending", "approved") or not proposal["price"]:
            continue
        prediction = prediction_for_proposal(store, proposal, warehouse)
        try:
            if proposal["status"] == "pending":
                store.approve(proposal["id"], budgets or Budgets())
            bought_at = today - timedelta(days=rng.randint(5, 75))
            price = round(proposal["price"] * 100)
            trade = ledger.buy(proposal["id"], price, bought_at, prediction=prediction)
        except (BudgetExceeded, TradeError):
            played.skipped += 1  # over a budget the user set: the sandbox reseller respects it
            continue
        played.bought += 1
        if prediction is None or not prediction.get("exit_marketplace"):
            continue
        exit_marketplace = prediction["exit_marketplace"]
        listed_at = min(bought_at + timedelta(days=rng.randint(1, 3)), today)
        ledger.list_for_sale(
            trade["id"], exit_marketplace, round(prediction["pred_p90"] * 100), listed_at
        )
        played.listed += 1
        days = rng.randint(2, 30)
        if rng.random() > SOLD_SHARE or listed_at + timedelta(days=days) > today:
            continue
        sold_price = _draw_price(rng, prediction)
        sale = Sale(listed_at + timedelta(days=days), round(sold_price * 100), exit_marketplace)
        try:
            ledger.sell(trade["id"], sale, schedule)
        except TradeError:
            continue  # an exit without a fee schedule: left listed
        played.sold += 1
    return played


def _draw_price(rng: random.Random, prediction: dict) -> float:
    """A sold price from the log-normal whose median is p50 and whose 10–90% span is p10–p90."""
    p10, p50, p90 = prediction["pred_p10"], prediction["pred_p50"], prediction["pred_p90"]
    sigma = max(math.log(p90 / p10) / (2 * Z_90), 0.01) if p10 > 0 else 0.2
    return max(1.0, round(p50 * math.exp(rng.gauss(0, sigma)), 2))
