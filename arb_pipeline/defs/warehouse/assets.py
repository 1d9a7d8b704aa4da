"""Warehouse: the dbt-duckdb project as Dagster assets; dbt tests become asset checks."""

import json
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.core.dbt_event_iterator import DbtEventIterator
from pydantic import Field

from arb_pipeline.defs.freshness import STALE_POLICY
from arb_pipeline.defs.resources import ArbHomeResource
from arb_pipeline.defs.warehouse.resources import dbt_project
from arb_pipeline.warehouse import BUILD_OPTIONS, close_dbt_duckdb, publishing

OPPORTUNITIES = "tag:opportunities"
WATCHED_FOR_FRESHNESS = {dg.AssetKey("fct_opportunities")}
# Eager, except that never-scraped (date, source) partitions of raw_listings do not count as
# missing inputs: the lake always has gaps, and plain eager() would then never rebuild.
WAREHOUSE_AUTOMATION = dg.AutomationCondition.eager().replace(
    "any_deps_missing",
    dg.AutomationCondition.any_deps_missing().ignore(dg.AssetSelection.assets("raw_listings")),
)


class WarehouseTranslator(DagsterDbtTranslator):
    """Every dbt model in the `warehouse` group, rebuilt when its inputs change."""

    def get_group_name(self, dbt_resource_props: dict[str, Any]) -> str | None:
        return "warehouse"

    def get_automation_condition(
        self, dbt_resource_props: dict[str, Any]
    ) -> dg.AutomationCondition | None:
        return WAREHOUSE_AUTOMATION

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if spec.key in WATCHED_FOR_FRESHNESS:  # what alerts read: stale means no alerts
            return dg.apply_freshness_policy(spec, STALE_POLICY)
        return spec


class WarehouseBuildConfig(dg.Config):
    """How a build reads the lake: its newest days (default), a range of dates again, or all."""

    full_refresh: bool = Field(
        default=False, description="Rebuild the incremental facts from the whole lake."
    )
    rebuild_from: str | None = Field(
        default=None,
        description="First scrape date (YYYY-MM-DD) to re-read from the lake and replace, "
        "e.g. after a re-parse backfill of those days; set rebuild_to too.",
    )
    rebuild_to: str | None = Field(
        default=None, description="Last scrape date (YYYY-MM-DD, inclusive) to rebuild."
    )

    def dbt_vars(self) -> dict[str, str]:
        """The date window's dbt vars (none: the newest days); ValueError naming the field
        when the dates are wrong."""
        if self.rebuild_from is None and self.rebuild_to is None:
            return {}
        if self.full_refresh:
            raise ValueError("full_refresh rebuilds every date; leave rebuild_from/to unset")
        if self.rebuild_from is None or self.rebuild_to is None:
            raise ValueError(
                "rebuild_from and rebuild_to go together (the same date rebuilds one day); "
                f"got rebuild_from={self.rebuild_from}, rebuild_to={self.rebuild_to}"
            )
        start, end = _date("rebuild_from", self.rebuild_from), _date("rebuild_to", self.rebuild_to)
        if start > end:
            raise ValueError(f"rebuild_from {start} is after rebuild_to {end}")
        return {"rebuild_from": start.isoformat(), "rebuild_to": end.isoformat()}


def _date(field: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{field} must be a date like 2026-11-18, not {value!r}") from None


def _build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    arb_home: ArbHomeResource,
    config: WarehouseBuildConfig,
) -> Iterator[Any]:
    try:
        window = config.dbt_vars()
    except ValueError as error:
        raise dg.Failure(description=f"warehouse build config: {error}") from error
    home = arb_home.home()
    refresh = ["--full-refresh"] if config.full_refresh else []
    with publishing(home.warehouse) as build_file:
        # the profile and the lake sources read these paths (a shell's dbt: ARB_HOME)
        paths = {"arb_home": str(home.root), "warehouse_path": str(build_file)}
        dbt_vars = ["--vars", json.dumps({**paths, **window})]
        # One target folder per home, not dagster-dbt's new folder per build (in the package,
        # never cleaned up): dbt re-parses the whole project unless it finds the parse of a
        # build with the same vars and profile, i.e. of this home (~3 s of CPU per build).
        # The lock publishing() holds keeps two builds out of it.
        invocation = dbt.cli(
            ["build", *refresh, *dbt_vars, *BUILD_OPTIONS],
            context=context,
            target_path=home.dbt_target,
        )
        try:
            # The dbt process runs to its end first (DuckDB: the build file is read only once
            # dbt has let go of it). Handing fetch_column_metadata the finished events, not the
            # live stream, matters: on a live stream its thread pool busy-waits and burns a
            # whole core for as long as dbt runs (42 s of CPU in one demo run).
            events = DbtEventIterator(iter(list(invocation.stream())), invocation)
            # each model's column names and types (the UI's column schema), read from the
            # build file through dbt-duckdb in this process
            yield from events.fetch_column_metadata(with_column_lineage=False)
        finally:
            close_dbt_duckdb()


def _dbt_models(name: str, description: str, **selection: str) -> dg.AssetsDefinition:
    """The dbt models `selection` picks (select= or exclude=) as one multi-asset."""

    def build(
        context: dg.AssetExecutionContext,
        dbt: DbtCliResource,
        arb_home: ArbHomeResource,
        config: WarehouseBuildConfig,
    ) -> Iterator[Any]:
        yield from _build(context, dbt, arb_home, config)

    build.__doc__ = description
    return dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        name=name,
        dagster_dbt_translator=WarehouseTranslator(),
        **selection,
    )(build)


warehouse_models = _dbt_models(
    "warehouse_models",
    "Staging, canonical listings, products, price history and comps, from the raw lake.",
    exclude=OPPORTUNITIES,
)
opportunity_models = _dbt_models(
    "opportunity_models",
    "Opportunities: active listings priced against the resale model's predictions.",
    select=OPPORTUNITIES,
)
