"""The job that refreshes everything downstream of the lake, from the warehouse on."""

import dagster as dg

refresh_prices_job = dg.define_asset_job(
    "refresh_prices",
    # not the fetch/parse of pages (ingest) nor the sending of alerts (alerts)
    selection=dg.AssetSelection.all()
    - dg.AssetSelection.assets("raw_pages", "raw_listings", "search_alerts"),
    description="Rebuild the warehouse, retrain the resale model, and re-price opportunities.",
)
