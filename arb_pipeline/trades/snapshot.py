"""The ledger as a lake snapshot (one Parquet file the warehouse reads), open trades re-priced
with the current model, and how well the model's intervals held on closed trades."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from arb_pipeline.lake import write_parquet
from arb_pipeline.trades.money import from_cents

AMOUNT = pl.Decimal(18, 2)
SNAPSHOT_SCHEMA: dict[str, pl.DataType] = {
    "trade_id": pl.Int64(),
    "origin": pl.String(),
    "proposal_id": pl.Int64(),
    "source": pl.String(),
    "listing_id": pl.String(),
    "title": pl.String(),
    "category": pl.String(),
    "condition": pl.String(),
    "currency": pl.String(),
    "bought_at": pl.Date(),
    "buy_price": AMOUNT,
    "buy_shipping": AMOUNT,
    "buy_fees": AMOUNT,
    "listed_at": pl.Date(),
    "listed_marketplace": pl.String(),
    "listed_price": AMOUNT,
    "sold_at": pl.Date(),
    "sold_marketplace": pl.String(),
    "sold_price": AMOUNT,
    "sale_fees": AMOUNT,
    "sale_shipping": AMOUNT,
    "fees_basis": pl.String(),
    "pred_p10": pl.Float64(),
    "pred_p50": pl.Float64(),
    "pred_p90": pl.Float64(),
    "pred_exit_marketplace": pl.String(),
    "pred_days_to_sell": pl.Float64(),
    "repriced_p10": pl.Float64(),
    "repriced_p50": pl.Float64(),
    "repriced_p90": pl.Float64(),
    "repriced_model_version": pl.String(),
    "snapshot_at": pl.Datetime("us", "UTC"),
}
CENT_COLUMNS = {
    "buy_price": "buy_price_cents",
    "buy_shipping": "buy_shipping_cents",
    "buy_fees": "buy_fees_cents",
    "listed_price": "listed_price_cents",
    "sold_price": "sold_price_cents",
    "sale_fees": "sale_fees_cents",
    "sale_shipping": "sale_shipping_cents",
}
# the asset check's thresholds (issue 15): p10–p90 should hold ~80% of sold prices
MIN_CLOSED_TRADES = 20
COVERAGE_RANGE = (0.65, 0.95)
MAX_BIAS = 0.10
WINDOW_DAYS = 90


def snapshot_path(lake: Path) -> Path:
    """Where the snapshot lives in the lake (the warehouse's `lake.trades` source)."""
    return lake / "trades" / "trades.parquet"


class Pricer(Protocol):
    """What re-pricing needs of the resale model."""

    currency: str

    def predict(self, frame: pl.DataFrame) -> pl.DataFrame: ...


def snapshot_frame(
    trades: list[dict[str, Any]],
    snapshot_at: datetime,
    model: Pricer | None = None,
    model_version: str | None = None,
) -> pl.DataFrame:
    """The stored trades as the snapshot's rows (amounts as decimals to the cent); open trades
    in the model's currency are re-priced with it at their listing (else predicted) exit."""
    rows = []
    for trade in trades:
        row = {name: trade.get(name) for name in SNAPSHOT_SCHEMA}
        row["trade_id"] = trade["id"]
        for column, cents in CENT_COLUMNS.items():
            row[column] = from_cents(trade[cents])
        row["snapshot_at"] = snapshot_at
        rows.append(row)
    frame = pl.DataFrame(rows, schema=SNAPSHOT_SCHEMA)
    if model is None or frame.is_empty():
        return frame
    unsold = frame.with_row_index("row").filter(
        pl.col("sold_at").is_null() & (pl.col("currency") == model.currency)
    )
    if unsold.is_empty():
        return frame
    features = unsold.select(
        "title",
        "currency",
        "condition",
        "category",
        marketplace=pl.coalesce("listed_marketplace", "pred_exit_marketplace"),
    )
    priced = model.predict(features)
    repriced = unsold.select("row").hstack(
        priced.select(repriced_p10="pred_p10", repriced_p50="pred_p50", repriced_p90="pred_p90")
    )
    return (
        frame.with_row_index("row")
        .drop("repriced_p10", "repriced_p50", "repriced_p90")
        .join(repriced, on="row", how="left")
        .with_columns(
            repriced_model_version=pl.when(pl.col("repriced_p50").is_not_null()).then(
                pl.lit(model_version)
            )
        )
        .select(list(SNAPSHOT_SCHEMA))
    )


def write_snapshot(frame: pl.DataFrame, path: Path) -> Path:
    """Replace the snapshot atomically (a reader sees the old file or the new one)."""
    return write_parquet(frame, path)


def interval_health(frame: pl.DataFrame, today: date) -> dict[str, Any]:
    """Over trades sold in the last WINDOW_DAYS that carry a prediction: how many, the share
    of sold prices inside p10–p90, the median relative error against p50 and its bias (the
    median signed error; negative means the model promised more than the sales brought), and
    whether that is healthy (too few trades to judge counts as healthy)."""
    closed = frame.filter(
        pl.col("sold_at").is_not_null()
        & (pl.col("sold_at") >= today - timedelta(days=WINDOW_DAYS))
        & pl.col("pred_p50").is_not_null()
        & (pl.col("pred_p50") > 0)
    ).with_columns(price=pl.col("sold_price").cast(pl.Float64))
    n = closed.height
    result: dict[str, Any] = {"closed_trades": n, "window_days": WINDOW_DAYS}
    if n == 0:
        return {**result, "healthy": True, "reason": "no closed trades with a prediction"}
    errors = closed.select(
        within=pl.col("price").is_between(pl.col("pred_p10"), pl.col("pred_p90")).mean(),
        bias=((pl.col("price") - pl.col("pred_p50")) / pl.col("pred_p50")).median(),
        median_error=((pl.col("price") - pl.col("pred_p50")).abs() / pl.col("pred_p50")).median(),
    ).row(0, named=True)
    result.update(
        share_within_interval=round(errors["within"], 4),
        bias=round(errors["bias"], 4),
        median_abs_error=round(errors["median_error"], 4),
    )
    problems = []
    if n < MIN_CLOSED_TRADES:
        return {**result, "healthy": True, "reason": f"only {n} closed trades; judged from 20"}
    low, high = COVERAGE_RANGE
    if not low <= errors["within"] <= high:
        problems.append(
            f"{errors['within']:.0%} of sold prices fell inside p10–p90 "
            f"(expected {low:.0%}–{high:.0%})"
        )
    if abs(errors["bias"]) > MAX_BIAS:
        side = "below" if errors["bias"] < 0 else "above"
        problems.append(f"sold prices were a median {abs(errors['bias']):.0%} {side} p50")
    reason = "; ".join(problems) or f"intervals held on {n} closed trades"
    return {**result, "healthy": not problems, "reason": reason}
