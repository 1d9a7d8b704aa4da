"""The prediction a trade is held to is the one its alert was sent with, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from arb_pipeline.alerts.store import Budgets, StateStore
from arb_pipeline.cli import main
from arb_pipeline.trades.ledger import TradeLedger
from arb_pipeline.trades.predictions import record_prediction, stored_prediction
from arb_pipeline_tests.alerts.test_email import make_opportunity


def test_the_alerted_prediction_is_kept_until_the_proposal_is_decided(store: StateStore) -> None:
    pixel = make_opportunity(listing_id="L-2002", title="Pixel 7", price=150.0)
    record_prediction(store, 2, {**pixel, "category_raw": "Phones", "days_to_sell": 9})
    assert stored_prediction(store, 2) == {
        "pred_p10": 380.0, "pred_p50": 440.0, "pred_p90": 495.0, "exit_marketplace": "ebay",
        "category": "Phones", "condition": "good", "days_to_sell": 9.0,
    }  # fmt: skip
    # a price-drop re-alert of the pending proposal renews it
    record_prediction(store, 2, {**pixel, "pred_p10": 200.0, "pred_p50": 230.0})
    assert stored_prediction(store, 2)["pred_p50"] == 230.0
    # once approved, the prediction it was approved on stays
    store.approve(2, Budgets())
    record_prediction(store, 2, {**pixel, "pred_p50": 999.0})
    assert stored_prediction(store, 2)["pred_p50"] == 230.0


def test_a_trade_keeps_the_alerted_prediction_after_the_listing_left_the_warehouse(
    store: StateStore, arb_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the listing sold minutes after the alert: no warehouse row for it any more
    record_prediction(store, 1, make_opportunity())
    store.approve(store.create_proposal(make_opportunity(listing_id="L-9")), Budgets())
    assert main(["trades", "buy", "1", "--price", "200", "--date", "2025-03-01"]) == 0
    assert "predicted resale 440.00 (p10–p90 380.00–495.00) on ebay" in capsys.readouterr().out
    assert main(["trades", "buy", "3", "--price", "200", "--date", "2025-03-01"]) == 0
    assert "no prediction found" in capsys.readouterr().out
    first, second = TradeLedger(store).all()
    assert (first["pred_p50"], first["pred_exit_marketplace"]) == (440.0, "ebay")
    assert second["pred_p50"] is None
