"""The Dagster code location: merges what each domain under defs/ declares."""

import dagster as dg

from arb_pipeline.defs.alerts.sensors import deal_alert_job, deal_alert_sensor
from arb_pipeline.defs.ingest.assets import (
    ingest_sandbox_job,
    raw_listings,
    raw_pages,
    reparse_job,
)
from arb_pipeline.defs.pricing.assets import resale_model, resale_predictions
from arb_pipeline.defs.resources import (
    AlertSettings,
    ArbHomeResource,
    CrawlResource,
    SandboxResource,
)
from arb_pipeline.defs.warehouse.assets import dbt_resource, opportunity_models, warehouse_models

refresh_prices_job = dg.define_asset_job(
    "refresh_prices",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(raw_pages, raw_listings),
    description="Rebuild the warehouse, retrain the resale model, and re-price opportunities.",
)

resources = {
    "arb_home": ArbHomeResource(),
    "sandbox": SandboxResource(),
    "crawl": CrawlResource(),
    "alert_settings": AlertSettings(),
    "dbt": dbt_resource(),
}

defs = dg.Definitions(
    assets=[
        raw_pages,
        raw_listings,
        warehouse_models,
        resale_model,
        resale_predictions,
        opportunity_models,
    ],
    jobs=[ingest_sandbox_job, reparse_job, refresh_prices_job, deal_alert_job],
    sensors=[deal_alert_sensor],
    resources=resources,
)
