"""The pricing assets read the warehouse's feature marts: the model trains on every training
comp and prices every active listing at every exit marketplace."""

from datetime import date
from pathlib import Path

import dagster as dg
import polars as pl

from arb_pipeline.defs.pricing.assets import resale_model, resale_predictions
from arb_pipeline.defs.resources import ArbHomeResource
from arb_pipeline.defs.warehouse.assets import warehouse_models
from arb_pipeline.defs.warehouse.resources import dbt_resource
from arb_pipeline.ingest import fetch_sandbox_partition, parse_archive
from arb_pipeline.paths import ArbHome
from arb_pipeline.warehouse import query

DAY = date(2026, 11, 18)
SOURCES = ("sandbox_ebay_api", "sandbox_ebay_finding", "sandbox_craigslist")


def test_model_and_predictions_cover_the_feature_marts(tmp_path: Path) -> None:
    home = ArbHome(tmp_path).ensure()
    for source in SOURCES:
        fetch_sandbox_partition(home, source, DAY)
        parse_archive(home, source, DAY)
    result = dg.materialize(
        [warehouse_models, resale_model, resale_predictions],
        resources={"dbt": dbt_resource(), "arb_home": ArbHomeResource(path=str(tmp_path))},
    )

    trained = result.asset_materializations_for_node("resale_model")[0].metadata
    comps = query(home.warehouse, "select count(*) as n from mart_training_comps")["n"][0]
    assert trained["training_rows"].value == comps > 0  # no own sales before any trade
    predictions = pl.read_parquet(home.predictions)
    active = query(home.warehouse, "select source, listing_id from mart_active_listing_features")
    exits = query(home.warehouse, "select marketplace from mart_exit_marketplaces")
    assert active.height > 0 and exits.height > 1
    assert predictions.height == active.height * exits.height
    expected = active.join(exits.rename({"marketplace": "exit_marketplace"}), how="cross")
    keys = ["source", "listing_id", "exit_marketplace"]
    assert predictions.select(keys).sort(keys).equals(expected.sort(keys))
    assert predictions["pred_p50"].null_count() == 0
