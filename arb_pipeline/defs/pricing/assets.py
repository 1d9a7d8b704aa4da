"""Pricing: the resale model trained on sold comps, and its predictions for active listings."""

from pathlib import Path

import dagster as dg
import polars as pl

from arb_pipeline.defs.resources import ArbHomeResource
from arb_pipeline.lake import write_parquet
from arb_pipeline.trades.comps import own_sales, with_own_sales
from arb_pipeline.warehouse import query

# The dbt marts the models read (dbt_project/models/marts/mart_*.yml say what is in them)
TRAINING_COMPS = "mart_training_comps"
ENDED_LISTINGS = "mart_ended_listing_features"
ACTIVE_LISTINGS = "mart_active_listing_features"
EXIT_MARKETPLACES = "mart_exit_marketplaces"
# retrained once a day (after 04:00 UTC, once its inputs are fresh) and by comps_growth_sensor
RETRAIN_DAILY = dg.AutomationCondition.on_cron("0 4 * * *")
COVERAGE_RANGE = (0.65, 0.95)


def _read(warehouse: Path, model: str, order_by: str | None = None) -> pl.DataFrame:
    """Every row of one of the dbt marts above, in `order_by` order when given."""
    order = f" order by {order_by}" if order_by else ""
    return query(warehouse, f"select * from {model}{order}")


@dg.asset(
    group_name="pricing",
    automation_condition=RETRAIN_DAILY,
    kinds={"scikitlearn"},
    deps=[dg.AssetKey(TRAINING_COMPS), dg.AssetKey(ENDED_LISTINGS)],
    check_specs=[
        dg.AssetCheckSpec(
            "holdout_coverage",
            asset="resale_model",
            description=f"p10-p90 holds between {COVERAGE_RANGE} of held-out sold prices.",
        ),
        dg.AssetCheckSpec(
            "not_worse_than_current",
            asset="resale_model",
            description="The new version beat (or matched) the current one and was promoted.",
        ),
    ],
)
def resale_model(
    context: dg.AssetExecutionContext, arb_home: ArbHomeResource
) -> dg.MaterializeResult:
    """Resale value model (p10/p50/p90) trained on sold comps, plus a sell-through model on
    ended listings; one version per run, made current only if not worse than the current one."""
    # the models are imported in the assets that use them: loading the definitions (every run
    # worker, code server and daemon) then does not import scikit-learn (~4 s of CPU)
    from arb_pipeline.pricing.sell_through import fit_sell_through, out_of_fold_p50
    from arb_pipeline.pricing.versions import train_version

    home = arb_home.home()
    # the user's own sales (fct_trades, as of the last build) count OWN_SALE_WEIGHT times; not a
    # declared dependency: fct_trades is downstream of this model through the trades snapshot
    comps = with_own_sales(_read(home.warehouse, TRAINING_COMPS), own_sales(home.warehouse))
    version, model, decision = train_version(home.models, comps)
    metrics = (model.card.get("metrics") or {}).get("model") or {}
    coverage = metrics.get("coverage_p10_p90")
    context.log.info(f"trained model {version} on {comps.height} comps: {metrics}")
    context.log.info(f"model {version}: {decision.reason}")
    ended = _read(home.warehouse, ENDED_LISTINGS)
    sell_card: dict = {"skipped": "needs both sold and unsold ended listings"}
    if ended["sold"].n_unique() == 2:
        # sold comps the resale model trained on get their out-of-fold p50 (no label leak)
        oof = out_of_fold_p50(model, comps, "listing_key")
        sell_through = fit_sell_through(ended, resale=model, out_of_fold=oof)
        sell_through.save(home.models / version)
        sell_card = sell_through.card
    return dg.MaterializeResult(
        metadata={
            "version": version,
            "training_rows": comps.height,
            "promoted": decision.promoted,
            "promotion_reason": decision.reason,
            "model_card": dg.MetadataValue.json(model.card),
            "sell_through_card": dg.MetadataValue.json(sell_card),
            **{name: float(value) for name, value in metrics.items() if value is not None},
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="holdout_coverage",
                passed=coverage is not None and COVERAGE_RANGE[0] <= coverage <= COVERAGE_RANGE[1],
                metadata={"coverage_p10_p90": coverage if coverage is not None else "no holdout"},
            ),
            dg.AssetCheckResult(
                check_name="not_worse_than_current",
                passed=decision.promoted,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={
                    "reason": decision.reason,
                    "current_version": decision.current_version or "none",
                    "new_metrics": dg.MetadataValue.json(decision.new_metrics or {}),
                    "current_metrics": dg.MetadataValue.json(decision.current_metrics or {}),
                },
            ),
        ],
    )


@dg.asset(
    group_name="pricing",
    automation_condition=dg.AutomationCondition.eager(),
    kinds={"scikitlearn", "parquet"},
    deps=[resale_model, dg.AssetKey(ACTIVE_LISTINGS), dg.AssetKey(EXIT_MARKETPLACES)],
    check_specs=[
        dg.AssetCheckSpec(
            "intervals_ordered",
            asset="resale_predictions",
            description="Every prediction has p10 <= p50 <= p90.",
        )
    ],
)
def resale_predictions(
    context: dg.AssetExecutionContext, arb_home: ArbHomeResource
) -> dg.MaterializeResult:
    """Predicted resale p10/p50/p90 (model currency) per active listing and exit marketplace;
    key (source, listing_id, exit_marketplace)."""
    from arb_pipeline.pricing.versions import load_current, load_sell_through  # as resale_model

    home = arb_home.home()
    version, model = load_current(home.models)
    active = _read(home.warehouse, ACTIVE_LISTINGS, order_by="source, listing_id")
    exit_marketplaces = _read(home.warehouse, EXIT_MARKETPLACES, order_by="marketplace")
    exits = exit_marketplaces["marketplace"].to_list()
    sell_through = load_sell_through(home.models, version)
    if sell_through is not None:
        priced = active.hstack(model.predict(active).select("pred_p50"))
        sell_probability = sell_through.predict_proba(priced)
    else:  # the column is always there, so the warehouse can rely on it
        sell_probability = pl.repeat(None, active.height, dtype=pl.Float64, eager=True)
    keys = active.select("source", "listing_id").with_columns(
        sell_probability.alias("sell_probability"), row=pl.int_range(active.height, dtype=pl.UInt32)
    )
    per_exit = model.predict_exits(active, exits) if exits and active.height else None
    if per_exit is None:
        predictions = (
            keys.drop("row")
            .with_columns(
                exit_marketplace=pl.lit(None, pl.String),
                **{c: pl.lit(None, pl.Float64) for c in ("pred_p10", "pred_p50", "pred_p90")},
                currency=pl.lit(model.currency),
            )
            .clear()
        )
    else:
        predictions = keys.join(per_exit.drop("no_title"), on="row").drop("row")
    predictions = predictions.with_columns(model_version=pl.lit(version))
    write_parquet(predictions, home.predictions)
    disordered = predictions.filter(
        (pl.col("pred_p10") > pl.col("pred_p50")) | (pl.col("pred_p50") > pl.col("pred_p90"))
    ).height
    return dg.MaterializeResult(
        check_results=[
            dg.AssetCheckResult(
                check_name="intervals_ordered",
                passed=disordered == 0,
                metadata={"disordered_rows": disordered},
            )
        ],
        metadata={
            "rows": predictions.height,
            "model_version": version,
            "path": dg.MetadataValue.path(str(home.predictions)),
        },
    )
