"""`arb-pipeline demo`: run every asset once against the sandbox and evaluate the alert sensor."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from arb_pipeline.alerts.store import Budgets, StateStore
from arb_pipeline.paths import ArbHome
from arb_pipeline.sources.registry import SANDBOX_SOURCES
from arb_pipeline.trades.sandbox import PlayedTrades
from arb_pipeline.warehouse import query

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class DemoResult:
    """What one demo run did."""

    ingest_failures: list[str] = field(default_factory=list)
    # sources left out on purpose (a browser-rendered source with no Chromium): not failures
    skipped: list[str] = field(default_factory=list)
    deals: list[dict[str, Any]] = field(default_factory=list)
    alerts_sent: int = 0
    # what `demo --trades` bought and sold as the sandbox reseller (None without it)
    trades: PlayedTrades | None = None
    # alerts claimed but not delivered (e.g. a crash mid-send); the next run sends them
    undelivered: int = 0


def demo_instance(home: ArbHome, dagster_home: str | None = None) -> dg.DagsterInstance:
    """The instance in `dagster_home` (DAGSTER_HOME) when given, else a persistent one under
    ARB_HOME/dagster."""
    if dagster_home:
        return dg.DagsterInstance.from_config(str(Path(dagster_home).expanduser()))
    folder = home.root / "dagster"
    folder.mkdir(parents=True, exist_ok=True)
    settings = folder / "dagster.yaml"
    if not settings.exists():
        # telemetry off, as in the deployed dagster.yaml: no opt-out banner before the demo's
        # output, nor in `dagster dev` pointed at this folder (README, The Dagster UI)
        settings.write_text("telemetry:\n  enabled: false\n")
    return dg.DagsterInstance.local_temp(tempdir=str(folder))


def run_demo(
    home: ArbHome,
    day: date | None = None,
    trades: bool = False,
    dagster_home: str | None = None,
    sources: Sequence[str] | None = None,
) -> DemoResult:
    """Ingest every sandbox source (or only `sources`) for `day` into `home`, refresh
    prices, and send new deal alerts; with `trades`, then buy and sell the proposals as a
    reseller would. The runs use the instance in `dagster_home` when given, else one under
    `home`."""
    unknown = sorted(set(sources or ()) - set(SANDBOX_SOURCES))
    if unknown:
        raise ValueError(f"unknown sandbox source(s): {', '.join(unknown)}")
    # imported late: loading the definitions parses the dbt project
    from arb_pipeline.definitions import defs
    from arb_pipeline.defs.alerts.assets import enabled_searches
    from arb_pipeline.defs.environment import resolved
    from arb_pipeline.defs.resources import ArbHomeResource

    # every run and the sensor get `home` itself, whatever ARB_HOME the definitions were
    # loaded with (the warehouse build hands it on to dbt as a var)
    here = {"arb_home": ArbHomeResource(path=str(home.root), state_url=home.state_url)}
    chromium = resolved(defs.resources["crawl"]).chromium
    day = day or datetime.now(UTC).date()
    result = DemoResult()
    instance = demo_instance(home, dagster_home)
    ingest = defs.resolve_job_def("ingest_sandbox")
    for source, spec in SANDBOX_SOURCES.items():
        if sources is not None and source not in sources:
            continue
        if spec.render_js and not os.access(chromium, os.X_OK):
            result.skipped.append(
                f"{source}: no Chromium at {chromium} "
                "(apt-get install chromium, or set ARB_CHROMIUM)"
            )
            continue
        key = dg.MultiPartitionKey({"date": day.isoformat(), "source": source})
        run = ingest.execute_in_process(
            run_config=QUIET,
            partition_key=key,
            instance=instance,
            raise_on_error=False,
            resources=here,
        )
        if not run.success:
            result.ingest_failures.append(f"{source} {day}: {_failure(run)}")
    dbt_output = io.StringIO()
    with contextlib.redirect_stdout(dbt_output):  # dbt's own progress lines
        refresh = defs.resolve_job_def("refresh_prices").execute_in_process(
            run_config=QUIET, instance=instance, raise_on_error=False, resources=here
        )
    if not refresh.success:
        raise RuntimeError(f"refresh_prices failed: {_failure(refresh)}\n{dbt_output.getvalue()}")

    sensor = defs.resolve_sensor_def("deal_alert_sensor")
    resources = {**defs.resources, **here}
    with dg.build_sensor_context(instance=instance, resources=resources) as context:
        evaluation = sensor(context)
    settings = defs.resources["alert_settings"]
    searches = [s.name for s in enabled_searches(defs.resources["saved_searches"], home)]
    before = _destinations(home, searches)
    for partitions in evaluation.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(partitions.partitions_def_name, partitions.partition_keys)
    alert_job = defs.resolve_job_def("search_alerts_job")
    for request in evaluation.run_requests or []:
        alert_job.execute_in_process(
            run_config=QUIET,
            partition_key=request.partition_key,
            instance=instance,
            tags=request.tags,
            resources=here,
        )
    result.deals = deals_report(home, searches)
    after = _destinations(home, searches)
    # an alert counts as sent this run when it is delivered now and was not before: counting
    # rows instead missed the re-send of an alert a crashed run had claimed but not delivered
    result.alerts_sent = sum(
        1 for key, where in after.items() if where is not None and before.get(key) != where
    )
    result.undelivered = sum(1 for where in after.values() if where is None)
    # after the alerts, so the report counts them; with --trades the sandbox reseller buys
    # and sells first, and the ledger's snapshot and marts are rebuilt before the report
    budgets = resolved(settings).budgets() if trades else None
    result.trades = _close_the_loop(home, instance, day, trades, here, budgets)
    return result


def _destinations(home: ArbHome, searches: list[str]) -> dict[tuple[str, str, str], str | None]:
    """Where each alert of `searches` went, by (search, source, listing_id); None: undelivered."""
    store = StateStore.for_home(home)
    return {
        (search, *key): destination
        for search in searches
        for key, destination in store.destinations(search).items()
    }


def deals_report(home: ArbHome, searches: list[str]) -> list[dict[str, Any]]:
    """Every deal whose alert was delivered, best first, with where its alert went."""
    sent = {
        (source, listing_id): (search, destination)
        for (search, source, listing_id), destination in _destinations(home, searches).items()
        if destination is not None
    }
    # best first in one currency: profit alone is in each listing's own
    sql = "select * from fct_opportunities order by profit_reporting desc"
    rows = query(home.warehouse, sql).to_dicts()
    return [
        {**row, "search": sent[key][0], "destination": sent[key][1]}
        for row in rows
        if (key := (row["source"], row["listing_id"])) in sent
    ]


def _failure(run: dg.ExecuteInProcessResult) -> str:
    for event in run.all_events:
        if event.is_step_failure and event.step_failure_data:
            return event.step_failure_data.error.message.strip().splitlines()[0]
    return "run failed"


def _close_the_loop(
    home: ArbHome,
    instance: dg.DagsterInstance,
    day: date,
    trades: bool,
    resources: dict[str, Any],
    budgets: Budgets | None,
) -> PlayedTrades | None:
    """Rebuild the market report after the alerts; with `trades`, first play the reseller
    (within `budgets`) and bring the ledger into the warehouse (trades_ledger, fct_trades and
    the trades marts)."""
    from arb_pipeline.definitions import defs
    from arb_pipeline.trades.cli import fee_schedule
    from arb_pipeline.trades.sandbox import play_reseller

    played = None
    selection = ["market_report"]
    if trades:
        store = StateStore.for_home(home)
        played = play_reseller(store, home.warehouse, fee_schedule(), day, budgets=budgets)
        ledger = ["trades_ledger", "fct_trades", "mart_prediction_outcomes", "mart_inventory"]
        selection = ledger + selection
    with contextlib.redirect_stdout(io.StringIO()):  # dbt's own progress lines
        # materialized from the assets: Dagster refuses a subset of a resolved job given
        # another arb_home than its assets were bound with
        run = dg.materialize(
            list(defs.assets or []),
            selection=[dg.AssetKey(name) for name in selection],
            resources={**defs.resources, **resources},
            instance=instance,
            run_config=QUIET,
            raise_on_error=False,
        )
    if not run.success:
        raise RuntimeError(f"rebuilding the report failed: {_failure(run)}")
    return played
