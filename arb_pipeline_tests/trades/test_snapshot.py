"""The ledger snapshot re-prices what is still held with a real fitted resale model."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl

from arb_pipeline.alerts.store import StateStore
from arb_pipeline.pricing.model import fit_model
from arb_pipeline.trades.cli import fee_schedule
from arb_pipeline.trades.ledger import ImportRow, Sale, TradeLedger
from arb_pipeline.trades.snapshot import snapshot_frame, snapshot_path, write_snapshot


def test_open_trades_in_the_models_currency_are_repriced(tmp_path: Path) -> None:
    comps = pl.DataFrame(
        [
            {"title": f"{brand} phone {n}", "price": price + n, "currency": "USD"}
            for n in range(30)
            for brand, price in (("Apple", 400.0), ("Nokia", 60.0))
        ]
    )
    model = fit_model(comps)
    ledger = TradeLedger(StateStore(tmp_path / "state"))
    bought = date(2025, 5, 1)
    rows = [
        ImportRow("a", "Apple phone 7", "USD", bought, 30000),
        ImportRow("b", "Nokia phone 3", "USD", bought, 4000),
        ImportRow("c", "Apple phone 9", "EUR", bought, 30000),  # the model prices in USD
        ImportRow("d", "Apple phone 8", "USD", bought, 30000, sale=Sale(bought, 41000, None)),
    ]
    ledger.import_rows(rows, fee_schedule())
    frame = snapshot_frame(ledger.all(), datetime.now(UTC), model, "v1")
    apple, nokia, euro, sold = frame.iter_rows(named=True)
    assert 380 < apple["repriced_p50"] < 440 and 50 < nokia["repriced_p50"] < 100
    assert apple["repriced_p10"] <= apple["repriced_p50"] <= apple["repriced_p90"]
    assert (apple["repriced_model_version"], nokia["repriced_model_version"]) == ("v1", "v1")
    assert euro["repriced_p50"] is None and euro["repriced_model_version"] is None
    assert sold["repriced_p50"] is None
    assert (sold["sold_price"], sold["buy_price"]) == (Decimal("410.00"), Decimal("300.00"))

    path = write_snapshot(frame, snapshot_path(tmp_path / "lake"))
    assert pl.read_parquet(path).equals(frame)
    assert [p.name for p in path.parent.iterdir()] == ["trades.parquet"]  # no temp file left
