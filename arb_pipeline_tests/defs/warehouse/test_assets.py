"""The warehouse assets: every dbt model's materialization shows its columns and their types."""

from datetime import date
from pathlib import Path

import dagster as dg

from arb_pipeline.defs.resources import ArbHomeResource
from arb_pipeline.defs.warehouse.assets import opportunity_models, warehouse_models
from arb_pipeline.defs.warehouse.resources import dbt_resource
from arb_pipeline.ingest import fetch_sandbox_partition, parse_archive
from arb_pipeline.paths import ArbHome
from arb_pipeline.warehouse import query
from arb_pipeline_tests.test_dbt_project import write_predictions

DAY = date(2026, 11, 18)
SOURCE = "sandbox_ebay_api"


def _columns(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, str]]:
    """Each materialized model's (and seed's) column schema metadata: {table: {column: type}}."""
    found = {}
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        schema = materialization.metadata.get("dagster/column_schema")
        columns = schema.value.columns if schema is not None else []
        found[materialization.asset_key.path[-1]] = {c.name: c.type for c in columns}
    return found


def test_each_build_in_one_process_shows_its_own_models_columns(tmp_path: Path) -> None:
    """The opportunities build comes second in the same process (as in refresh_prices) and
    still shows the columns of the tables it has just built."""
    home = ArbHome(tmp_path).ensure()
    fetch_sandbox_partition(home, SOURCE, DAY)
    parse_archive(home, SOURCE, DAY)
    resources = {"dbt": dbt_resource(), "arb_home": ArbHomeResource(path=str(tmp_path))}
    first = dg.materialize([warehouse_models], resources=resources)
    active = query(home.warehouse, "select source, listing_id, price from fct_listings")
    write_predictions(active, home.predictions)
    second = dg.materialize([opportunity_models], resources=resources)

    columns = {**_columns(first), **_columns(second)}
    assert {"fct_listings", "mart_training_comps", "fct_opportunities"} <= columns.keys()
    for model, schema in columns.items():
        table = query(
            home.warehouse,
            "select column_name from duckdb_columns() where table_name = ? order by column_index",
            [model],
        )
        assert list(schema) == table["column_name"].to_list(), model
        assert all(schema.values()), model
    assert columns["mart_training_comps"]["price"] == "DOUBLE"
    assert columns["fct_opportunities"]["exit_marketplace"].startswith("character varying")
