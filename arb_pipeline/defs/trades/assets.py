"""Trades: the ledger's lake snapshot (what the warehouse reads) and whether the model's
intervals held on what was really sold."""

from datetime import UTC, datetime

import dagster as dg

from arb_pipeline.alerts.store import StateStore
from arb_pipeline.defs.resources import ArbHomeResource
from arb_pipeline.trades.ledger import TradeLedger
from arb_pipeline.trades.snapshot import (
    COVERAGE_RANGE,
    MAX_BIAS,
    MIN_CLOSED_TRADES,
    interval_health,
    snapshot_frame,
    snapshot_path,
    write_snapshot,
)

INTERVALS_HELD = "prediction_intervals_held"


@dg.asset(
    group_name="trades",
    # the ledger changes through the CLI, outside Dagster: snapshot it every 15 minutes (plain
    # on_cron would wait for a new model first); the next snapshot re-prices with a new model
    automation_condition=dg.AutomationCondition.on_cron("*/15 * * * *").ignore(
        dg.AssetSelection.assets("resale_model")
    ),
    kinds={"parquet"},
    deps=[dg.AssetKey("resale_model")],
    check_specs=[
        dg.AssetCheckSpec(
            INTERVALS_HELD,
            asset="trades_ledger",
            description=(
                f"Over ≥ {MIN_CLOSED_TRADES} trades sold in the last 90 days, sold prices fall "
                f"inside p10–p90 {COVERAGE_RANGE[0]:.0%}–{COVERAGE_RANGE[1]:.0%} of the time "
                f"and their median error against p50 is within ±{MAX_BIAS:.0%}."
            ),
        )
    ],
)
def trades_ledger(
    context: dg.AssetExecutionContext, arb_home: ArbHomeResource
) -> dg.MaterializeResult:
    """Lake snapshot of the trades ledger, open trades re-priced; one row per trade_id."""
    # imported here: loading the definitions then does not import scikit-learn (the model's)
    from arb_pipeline.pricing.versions import current_version, load_current

    home = arb_home.home()
    ledger = TradeLedger(StateStore.for_home(home))
    model, version = None, current_version(home.models)
    if version is not None:
        version, model = load_current(home.models)
    now = datetime.now(UTC)
    frame = snapshot_frame(ledger.all(), now, model, version)
    path = write_snapshot(frame, snapshot_path(home.lake))
    health = interval_health(frame, now.date())
    context.log.info(f"wrote {frame.height} trades to {path}; intervals: {health['reason']}")
    sold = frame.filter(frame["sold_at"].is_not_null()).height
    return dg.MaterializeResult(
        metadata={
            "trades": frame.height,
            "sold": sold,
            "open": frame.height - sold,
            "repriced_with": version or "no model yet",
            "path": dg.MetadataValue.path(str(path)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=INTERVALS_HELD,
                passed=health["healthy"],
                severity=dg.AssetCheckSeverity.WARN,
                metadata={k: v for k, v in health.items() if k != "healthy"},
            )
        ],
    )
