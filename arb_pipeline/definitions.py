"""The Dagster code location: merges what each domain under defs/ declares."""

import dagster as dg

from arb_pipeline.defs.alerts.assets import search_alerts, search_alerts_job
from arb_pipeline.defs.alerts.sensors import (
    daily_digests,
    deal_alert_sensor,
    digest_job,
    expire_proposals_job,
    expire_proposals_schedule,
    operator_failure_email,
)
from arb_pipeline.defs.ingest.assets import (
    ingest_sandbox_job,
    raw_listings,
    raw_pages,
    reparse_job,
    scrape_searches_job,
)
from arb_pipeline.defs.ingest.schedules import (
    every_source_fresh,
    prune_archive_daily,
    prune_archive_job,
    raw_listings_freshness,
    scrape_every_15_minutes,
    search_schedules,
    source_freshness_every_15_minutes,
    source_freshness_job,
)
from arb_pipeline.defs.pricing.assets import resale_model, resale_predictions
from arb_pipeline.defs.pricing.sensors import comps_growth_sensor
from arb_pipeline.defs.reporting.assets import market_report
from arb_pipeline.defs.resources import (
    AlertSettings,
    ArbHomeResource,
    CrawlResource,
    MarketplacesResource,
    SandboxResource,
)
from arb_pipeline.defs.trades.assets import trades_ledger
from arb_pipeline.defs.warehouse.assets import dbt_resource, opportunity_models, warehouse_models
from arb_pipeline.paths import ArbHome

refresh_prices_job = dg.define_asset_job(
    "refresh_prices",
    selection=dg.AssetSelection.all()
    - dg.AssetSelection.assets(raw_pages, raw_listings, search_alerts),
    description="Rebuild the warehouse, retrain the resale model, and re-price opportunities.",
)

resources = {
    "arb_home": ArbHomeResource(),
    "sandbox": SandboxResource(),
    "crawl": CrawlResource(),
    "marketplaces": MarketplacesResource(),
    "alert_settings": AlertSettings(),
    "dbt": dbt_resource(),
}

automation_sensor = dg.AutomationConditionSensorDefinition(
    "automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=10,  # a new scrape starts its rebuild within ~10 s (alert latency)
    description="Parses fetched pages, rebuilds the warehouse and re-prices when inputs change; "
    "retrains the model daily.",
)

defs = dg.Definitions(
    # steps of a run form a chain (dbt, predictions, dbt, report): running them in the run's own
    # process saves the 5-7 s a fresh step process takes to import the project, per step
    executor=dg.in_process_executor,
    assets=[
        raw_pages,
        raw_listings,
        warehouse_models,
        resale_model,
        resale_predictions,
        opportunity_models,
        market_report,
        search_alerts,
        trades_ledger,
    ],
    asset_checks=[*raw_listings_freshness, every_source_fresh],
    jobs=[
        ingest_sandbox_job,
        scrape_searches_job,
        reparse_job,
        refresh_prices_job,
        search_alerts_job,
        digest_job,
        expire_proposals_job,
        prune_archive_job,
        source_freshness_job,
    ],
    schedules=[
        scrape_every_15_minutes,
        prune_archive_daily,
        source_freshness_every_15_minutes,
        daily_digests,
        expire_proposals_schedule,
        # one per saved search on real marketplaces, read from the searches file at load time
        *search_schedules(resources["alert_settings"].searches_path(ArbHome.from_env())),
    ],
    sensors=[
        deal_alert_sensor,
        operator_failure_email,
        comps_growth_sensor,
        automation_sensor,
        dg.build_sensor_for_freshness_checks(
            freshness_checks=raw_listings_freshness,
            default_status=dg.DefaultSensorStatus.RUNNING,
        ),
    ],
    resources=resources,
)
