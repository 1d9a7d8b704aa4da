"""Pricing: the resale model trained on sold comps, and its predictions for active listings."""

import os
import uuid

import dagster as dg
import polars as pl

from arb_pipeline.defs.resources import ArbHomeResource
from arb_pipeline.pricing.versions import load_current, train_version
from arb_pipeline.warehouse import query

COMPS_SQL = """
select title, cast(price as double) as price, currency, condition,
       category_raw as category, brand, sold_at as listed_at
from fct_sold_comps
"""
ACTIVE_SQL = """
select source, listing_id, title, currency, condition, category_raw as category, brand
from fct_listings
where status = 'active'
order by listing_key
"""
COVERAGE_RANGE = (0.65, 0.95)


@dg.asset(
    group_name="pricing",
    kinds={"scikitlearn"},
    deps=[dg.AssetKey("fct_sold_comps")],
    check_specs=[
        dg.AssetCheckSpec(
            "holdout_coverage",
            asset="resale_model",
            description=f"p10-p90 holds between {COVERAGE_RANGE} of held-out sold prices.",
        )
    ],
)
def resale_model(
    context: dg.AssetExecutionContext, arb_home: ArbHomeResource
) -> dg.MaterializeResult:
    """Resale value model (p10/p50/p90) trained on sold comps; one version per run."""
    home = arb_home.home()
    comps = query(home.warehouse, COMPS_SQL)
    version, model = train_version(home.models, comps)
    metrics = (model.card.get("metrics") or {}).get("model") or {}
    coverage = metrics.get("coverage_p10_p90")
    context.log.info(f"trained model {version} on {comps.height} comps: {metrics}")
    return dg.MaterializeResult(
        metadata={
            "version": version,
            "training_rows": comps.height,
            "model_card": dg.MetadataValue.json(model.card),
            **{name: float(value) for name, value in metrics.items() if value is not None},
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="holdout_coverage",
                passed=coverage is not None and COVERAGE_RANGE[0] <= coverage <= COVERAGE_RANGE[1],
                metadata={"coverage_p10_p90": coverage if coverage is not None else "no holdout"},
            )
        ],
    )


@dg.asset(
    group_name="pricing",
    kinds={"scikitlearn", "parquet"},
    deps=[resale_model, dg.AssetKey("fct_listings")],
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
    """Predicted resale p10/p50/p90 per active listing; key (source, listing_id)."""
    home = arb_home.home()
    version, model = load_current(home.models)
    active = query(home.warehouse, ACTIVE_SQL)
    predictions = (
        active.select("source", "listing_id")
        .hstack(model.predict(active))
        .with_columns(model_version=pl.lit(version))
    )
    temp = home.predictions.with_name(f".{uuid.uuid4().hex}.tmp")
    predictions.write_parquet(temp)
    os.replace(temp, home.predictions)
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
