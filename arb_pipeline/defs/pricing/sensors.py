"""Retrain the resale model when sold comps grew materially since it was trained."""

import dagster as dg

from arb_pipeline.defs.pricing.assets import TRAINING_COMPS, resale_model
from arb_pipeline.defs.resources import ArbHomeResource
from arb_pipeline.warehouse import query

GROWTH_TO_RETRAIN = 0.2  # 20% more comps than the current model saw


@dg.sensor(
    target=[resale_model],
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=f"Retrains resale_model when {TRAINING_COMPS} grew 20% past its training rows.",
)
def comps_growth_sensor(
    context: dg.SensorEvaluationContext, arb_home: ArbHomeResource
) -> dg.SensorResult:
    """Compare today's comps count with the training rows of the last model."""
    home = arb_home.home()
    if not home.warehouse.exists():
        return dg.SensorResult(skip_reason="no warehouse yet")
    comps = query(home.warehouse, f"select count(*) as n from {TRAINING_COMPS}")["n"][0]
    event = context.instance.get_latest_materialization_event(dg.AssetKey("resale_model"))
    if event is None or event.asset_materialization is None:
        return dg.SensorResult(skip_reason="no model yet: the daily retrain will train one")
    trained_on = event.asset_materialization.metadata["training_rows"].value
    if comps < trained_on * (1 + GROWTH_TO_RETRAIN):
        return dg.SensorResult(skip_reason=f"{comps} comps, model trained on {trained_on}")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"comps-{comps}")],
        cursor=str(comps),
    )
