"""The sandbox reseller buys the demo's proposals, lists and sells some, and never twice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from arb_pipeline.alerts.store import StateStore
from arb_pipeline.trades.cli import fee_schedule
from arb_pipeline.trades.ledger import TradeLedger, status_of
from arb_pipeline.trades.sandbox import play_reseller
from arb_pipeline_tests.alerts.test_email import make_opportunity


def test_the_sandbox_reseller_plays_once(store: StateStore, warehouse: Path) -> None:
    for n in range(3, 13):  # ten more pending proposals on the same predicted listing's numbers
        store.create_proposal(make_opportunity(listing_id="L-1001", search=f"s{n}"))
    today = datetime.now(UTC).date()
    played = play_reseller(store, warehouse, fee_schedule(), today)
    trades = TradeLedger(store).all()
    assert played.bought == len(trades) == 12  # the approved one, the Pixel and the ten
    assert played.listed == 11  # the Pixel has no prediction: bought, not listed
    assert 0 < played.sold < played.listed
    assert sum(status_of(t) == "sold" for t in trades) == played.sold
    for trade in trades:
        assert trade["bought_at"] <= (trade["listed_at"] or today) <= today
        if trade["sold_at"]:
            assert trade["listed_at"] <= trade["sold_at"] <= today
            assert trade["fees_basis"].startswith("ebay schedule of 2024-02-15")
    assert {p["status"] for p in store.list_proposals()} == {"purchased"}
    again = play_reseller(store, warehouse, fee_schedule(), today)
    assert (again.bought, again.sold) == (0, 0)
    assert TradeLedger(store).all() == trades
