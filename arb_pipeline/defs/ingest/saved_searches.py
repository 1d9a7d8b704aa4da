"""One scrape schedule per enabled saved search, from the searches file the resource names."""

import dagster as dg

from arb_pipeline.defs.ingest.schedules import search_schedules
from arb_pipeline.defs.resources import alert_settings, arb_home


@dg.definitions
def saved_search_schedules() -> dg.Definitions:
    """Read when the code location loads (a reload picks up an edited file); a broken file
    loads no search schedule and logs where it is wrong, and the rest of the location loads."""
    return dg.Definitions(
        schedules=search_schedules(alert_settings.searches_path(arb_home.located()))
    )
