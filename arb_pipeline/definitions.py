"""The Dagster code location: each domain under defs/ declares its own definitions (assets,
checks, jobs, schedules, sensors, resources); this loads them and adds what spans them all."""

from pathlib import Path

import dagster as dg

automation_sensor = dg.AutomationConditionSensorDefinition(
    "automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=10,  # a new scrape starts its rebuild within ~10 s (alert latency)
    description="Parses fetched pages, rebuilds the warehouse and re-prices when inputs change; "
    "retrains the model daily.",
)

defs = dg.Definitions.merge(
    dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
    dg.Definitions(
        sensors=[automation_sensor],
        # steps of a run form a chain (dbt, predictions, dbt, report): running them in the run's
        # own process saves the 5-7 s a fresh step process takes to import the project, per step
        executor=dg.in_process_executor,
    ),
)
