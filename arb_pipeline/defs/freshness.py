"""How long without an update makes an asset stale: the one window the domains' freshness
policies and the per-source freshness check share."""

from datetime import timedelta

import dagster as dg

STALE_AFTER = timedelta(hours=2)
# Dagster's freshness policy (it superseded freshness checks in 1.12): the daemon marks an asset
# carrying it failing when not updated within STALE_AFTER, with no check or sensor to schedule.
STALE_POLICY = dg.FreshnessPolicy.time_window(fail_window=STALE_AFTER)
