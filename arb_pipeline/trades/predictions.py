"""The prediction a purchase was made on: kept with its proposal when the alert goes out (a
listing that sells leaves the warehouse's opportunities within minutes), else read from the
warehouse when the trade is recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from arb_pipeline.alerts.store import StateStore, proposals
from arb_pipeline.trades.ledger import PREDICTION_KEYS, create_tables, proposal_predictions

# where the opportunity's expected days to sell may live, newest naming first
DAYS_COLUMNS = ("pred_days_to_sell", "days_to_sell", "expected_days_to_sell")


def record_prediction(store: StateStore, proposal_id: int, opportunity: dict[str, Any]) -> None:
    """Keep the alerted opportunity's prediction with its proposal while the proposal is
    pending (a re-alert renews it); an approved or bought proposal keeps the one it was
    decided on."""
    values = {
        "pred_p10": _number(opportunity.get("pred_p10")),
        "pred_p50": _number(opportunity.get("pred_p50")),
        "pred_p90": _number(opportunity.get("pred_p90")),
        "exit_marketplace": opportunity.get("exit_marketplace"),
        "category": opportunity.get("category_raw") or opportunity.get("category"),
        "condition": opportunity.get("condition"),
        "days_to_sell": _number(
            next((opportunity[c] for c in DAYS_COLUMNS if opportunity.get(c) is not None), None)
        ),
        "recorded_at": datetime.now(UTC),
    }
    create_tables(store.engine)
    sqlite_backend = store.engine.dialect.name == "sqlite"
    insert = (sqlite if sqlite_backend else postgresql).insert(proposal_predictions)
    pending = sa.exists().where((proposals.c.id == proposal_id) & (proposals.c.status == "pending"))
    upsert = insert.values(proposal_id=proposal_id, **values).on_conflict_do_update(
        index_elements=["proposal_id"], set_=values, where=pending
    )
    with store.engine.begin() as conn:
        conn.execute(upsert)


def stored_prediction(store: StateStore, proposal_id: int) -> dict[str, Any] | None:
    """The prediction kept with the proposal, or None."""
    create_tables(store.engine)
    query = sa.select(proposal_predictions).where(proposal_predictions.c.proposal_id == proposal_id)
    with store.engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return None if row is None else {key: row[key] for key in PREDICTION_KEYS}


def prediction_for_proposal(
    store: StateStore, proposal: dict[str, Any], warehouse: Path
) -> dict[str, Any] | None:
    """The prediction kept with the proposal, its gaps (e.g. days to sell) filled from the
    warehouse; the warehouse's alone when none was kept (a proposal from before trades)."""
    kept = stored_prediction(store, proposal["id"])
    current = prediction_for(warehouse, proposal["source"], proposal["listing_id"])
    if kept is None or kept["pred_p50"] is None:
        return current
    if current is not None:
        kept = {key: current[key] if kept[key] is None else kept[key] for key in PREDICTION_KEYS}
    return kept


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def prediction_for(warehouse: Path, source: str, listing_id: str) -> dict[str, Any] | None:
    """p10/p50/p90, exit marketplace, category, condition and expected days to sell of the
    listing's opportunity; None when there is no warehouse or the listing is not in it."""
    if not warehouse.exists():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as conn:
            columns = {row[0] for row in conn.sql("describe fct_opportunities").fetchall()}
            days = next((c for c in DAYS_COLUMNS if c in columns), None)
            tables = {row[0] for row in conn.sql("show tables").fetchall()}
            if days is not None:
                days_sql, join = f"o.{days}", ""
            elif "mart_product_price_stats" in tables:
                # the product's median days from listed to sold in this condition
                days_sql = "s.median_days_to_sell"
                join = (
                    "left join mart_product_price_stats s"
                    " on s.product_id = o.product_id and s.condition = o.condition"
                )
            else:
                days_sql, join = "null", ""
            row = conn.execute(
                f"select o.pred_p10, o.pred_p50, o.pred_p90, o.exit_marketplace,"
                f" o.category_raw as category, o.condition, {days_sql} as days_to_sell"
                f" from fct_opportunities o {join}"
                " where o.source = ? and o.listing_id = ? limit 1",
                [source, listing_id],
            ).fetchone()
    except duckdb.Error:
        return None  # a warehouse mid-rebuild or without the table: the trade has no prediction
    if row is None:
        return None
    prediction = dict(zip(PREDICTION_KEYS, row, strict=True))
    for name in ("pred_p10", "pred_p50", "pred_p90", "days_to_sell"):
        if prediction[name] is not None:
            prediction[name] = float(prediction[name])
    return prediction
