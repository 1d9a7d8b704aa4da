"""Automation: a newly landed raw partition rebuilds the warehouse and re-prices, in one tick."""

from datetime import UTC, datetime

import dagster as dg

from arb_pipeline.definitions import defs


def _landed(instance: dg.DagsterInstance, asset: str, partition: str | None = None) -> None:
    instance.report_runless_asset_event(
        dg.AssetMaterialization(asset_key=asset, partition=partition)
    )


def test_a_new_raw_partition_requests_the_rebuild_and_reprice_despite_unscraped_days() -> None:
    """The lake never has every (date, source) partition; that must not block the rebuild."""
    today = datetime.now(UTC).date().isoformat()
    with dg.instance_for_test() as instance:
        _landed(instance, "raw_listings", f"{today}|sandbox_ebay_api")
        graph = defs.resolve_asset_graph()
        for key in graph.get_all_asset_keys():
            if not graph.get(key).is_partitioned:  # the warehouse, model, predictions, report
                _landed(instance, key.to_user_string())
        first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        assert first.total_requested == 0  # everything is up to date

        _landed(instance, "raw_listings", f"{today}|sandbox_craigslist")
        second = dg.evaluate_automation_conditions(
            defs=defs, instance=instance, cursor=first.cursor
        )
        for asset in (
            "stg_lake__listings",
            "fct_listings",
            "resale_predictions",
            "fct_opportunities",
        ):
            assert second.get_requested_partitions(dg.AssetKey(asset)) == {None}, asset
        # retrained daily, not on every scrape
        assert second.get_requested_partitions(dg.AssetKey("resale_model")) == set()
