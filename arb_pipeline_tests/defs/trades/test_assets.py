"""The trades_ledger asset: its lake snapshot, the intervals check, and the warehouse models
built from the snapshot by real dbt (fct_trades, mart_prediction_outcomes, mart_inventory)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from arb_pipeline.alerts.store import Budgets, StateStore
from arb_pipeline.defs.resources import ArbHomeResource
from arb_pipeline.defs.trades.assets import INTERVALS_HELD, trades_ledger
from arb_pipeline.paths import ArbHome
from arb_pipeline.trades.cli import fee_schedule
from arb_pipeline.trades.ledger import Sale, TradeLedger
from arb_pipeline.trades.snapshot import snapshot_path
from arb_pipeline_tests.alerts.test_email import make_opportunity
from arb_pipeline_tests.dbt_builds import dbt_build, rows

TODAY = datetime.now(UTC).date()
PREDICTION = {
    "pred_p10": 90.0,
    "pred_p50": 100.0,
    "pred_p90": 110.0,
    "exit_marketplace": "ebay",
    "category": "Consoles",
    "condition": "good",
    "days_to_sell": 7.0,
}


def fill(home: Path, inside: int, outside: int, unsold: int = 0) -> TradeLedger:
    """Trades bought at 60.00 on a 90/100/110 prediction, 30 days ago: `inside` sold at 100.00,
    `outside` at 130.00 (both on craigslist: no fees), and `unsold` still held."""
    store = StateStore(home)
    ledger = TradeLedger(store)
    for n in range(inside + outside + unsold):
        pid = store.create_proposal(make_opportunity(listing_id=f"L-{n}", title=f"Switch {n}"))
        store.approve(pid, Budgets())
        trade = ledger.buy(pid, 6000, TODAY - timedelta(days=30), prediction=PREDICTION)
        if n < inside + outside:
            price = 10000 if n < inside else 13000
            sale = Sale(on=TODAY - timedelta(days=10), price_cents=price, marketplace="craigslist")
            ledger.sell(trade["id"], sale, fee_schedule())
    return ledger


def materialize(home: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize([trades_ledger], resources={"arb_home": ArbHomeResource(path=str(home))})


def check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (evaluation,) = [
        e for e in result.get_asset_check_evaluations() if e.check_name == INTERVALS_HELD
    ]
    return evaluation


def test_snapshot_and_check_warn_when_intervals_miss(arb_home: Path) -> None:
    fill(arb_home, inside=10, outside=10, unsold=2)
    result = materialize(arb_home)
    assert result.success
    frame = pl.read_parquet(snapshot_path(ArbHome(arb_home).lake))
    assert frame.height == 22
    assert frame["sold_price"].drop_nulls().cast(pl.Float64).sum() == 10 * 100.0 + 10 * 130.0
    evaluation = check(result)
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    reason = evaluation.metadata["reason"].value
    assert "50% of sold prices fell inside p10–p90 (expected 65%–95%)" in reason
    assert "sold prices were a median 15% above p50" in reason
    assert evaluation.metadata["closed_trades"].value == 20


def test_check_passes_on_honest_intervals_and_waits_for_20_trades(arb_home: Path) -> None:
    fill(arb_home, inside=17, outside=2)
    evaluation = check(materialize(arb_home))
    assert evaluation.passed
    assert "only 19 closed trades" in evaluation.metadata["reason"].value


@pytest.mark.parametrize("with_snapshot", [True, False])
def test_warehouse_models_read_the_snapshot(arb_home: Path, with_snapshot: bool) -> None:
    home = ArbHome(arb_home).ensure()
    if with_snapshot:
        fill(arb_home, inside=3, outside=1, unsold=1)
        assert materialize(arb_home).success
    warehouse = arb_home / "trades.duckdb"
    dbt_build(
        home, warehouse, "--select", "marketplace_fees", "fx_rates",
        "int_marketplace_fees_filtered_to_today", "fct_trades", "mart_prediction_outcomes",
        "mart_inventory", "--exclude-resource-type", "unit_test",
        # only the tests whose every parent is built here (not the seeds' tests on fct_listings)
        "--indirect-selection", "cautious",
    )  # fmt: skip
    if not with_snapshot:  # a build before the first snapshot: empty tables, not a failure
        assert rows(warehouse, "select count(*) from fct_trades") == [(0,)]
        return
    assert rows(
        warehouse,
        "select status, count(*), sum(realized_profit), count(*) filter (where within_interval)"
        " from fct_trades group by status order by status",
    ) == [("open", 1, None, 0), ("sold", 4, 3 * 40 + 70, 3)]
    assert rows(
        warehouse,
        "select category, exit_marketplace, trades_closed, share_within_interval,"
        " median_abs_error, bias, predicted_days_to_sell, realized_days_to_sell"
        " from mart_prediction_outcomes",
    ) == [("Consoles", "ebay", 4, 0.75, 0.0, 0.0, 7.0, 20.0)]
    assert rows(
        warehouse,
        "select days_held, aging_bucket, past_predicted_days, cost, repriced_p50"
        " from mart_inventory",
    ) == [(30, "0-30", True, 60, None)]


def test_snapshot_runs_every_15_minutes_without_waiting_for_a_new_model() -> None:
    @dg.asset(name="resale_model")
    def model() -> None: ...

    defs = dg.Definitions(assets=[trades_ledger, model], resources={"arb_home": ArbHomeResource()})
    instance = dg.DagsterInstance.ephemeral()
    start = datetime(2026, 12, 6, 4, 1, tzinfo=UTC)
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=start)
    later = dg.evaluate_automation_conditions(
        defs=defs,
        instance=instance,
        cursor=first.cursor,
        evaluation_time=start + timedelta(minutes=15),
    )
    assert later.get_requested_partitions(trades_ledger.key) == {None}
