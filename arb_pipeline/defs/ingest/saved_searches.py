"""One scrape schedule per enabled saved search, from the searches file the resource names."""

import dagster as dg

from arb_pipeline.defs.ingest.schedules import search_schedules
from arb_pipeline.defs.resources import arb_home, saved_searches


@dg.definitions
def saved_search_schedules() -> dg.Definitions:
    """Read when the code location loads (a reload picks up an edited file); a broken file
    loads no search schedule and logs where it is wrong, and the rest of the location loads."""
    return dg.Definitions(schedules=search_schedules(saved_searches.path(arb_home.located())))
