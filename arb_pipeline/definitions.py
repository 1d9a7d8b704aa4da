"""The Dagster code location: each domain under defs/ declares its own definitions (assets,
checks, jobs, schedules, sensors, resources); this loads them and adds what spans them all."""

from pathlib import Path

import dagster as dg

from arb_pipeline.defs.ingest.schedules import FRESHNESS_WATCHED, STALE_POLICY

automation_sensor = dg.AutomationConditionSensorDefinition(
    "automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=10,  # a new scrape starts its rebuild within ~10 s (alert latency)
    description="Parses fetched pages, rebuilds the warehouse and re-prices when inputs change; "
    "retrains the model daily.",
)


def _watch_freshness(spec: dg.AssetSpec) -> dg.AssetSpec:
    """The freshness policy on the assets a stopped scraper leaves stale; others unchanged."""
    return dg.apply_freshness_policy(spec, STALE_POLICY) if spec.key in FRESHNESS_WATCHED else spec


def _code_location(domains: dg.Definitions) -> dg.Definitions:
    # a module importing another's asset holds it too: map each asset once, or its key clashes
    assets = list({id(asset): asset for asset in domains.assets}.values())
    return dg.Definitions(
        assets=dg.map_asset_specs(_watch_freshness, assets),
        asset_checks=domains.asset_checks,
        jobs=domains.jobs,
        schedules=domains.schedules,
        sensors=[*domains.sensors, automation_sensor],
        resources=domains.resources,
        # a run's steps form a chain: in its own process each would spend 5-7 s importing us
        executor=dg.in_process_executor,
    )


defs = _code_location(dg.load_from_defs_folder(path_within_project=Path(__file__).parent))
resources = defs.resources  # the bound resources, for code that runs jobs in-process (demo)
