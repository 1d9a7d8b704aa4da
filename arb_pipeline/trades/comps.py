"""The user's own sales as comps for the resale model, weighted above scraped comps.

A scraped sold listing says what someone got for an item; the user's own sale says what this
user gets, with their photos, descriptions and channels. The model has no sample weights, so
each own sale enters the training frame OWN_SALE_WEIGHT times. The copies share their sale
date, so the model's time-ordered holdout never puts one copy in training and another in the
test set.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

OWN_SALE_WEIGHT = 3
# the listing's product key and attributes when the trade came from a scraped listing
OWN_SALES_SQL = """
select t.title, cast(t.proceeds as double) as price, t.currency, t.condition,
       t.category, l.brand, cast(t.sold_at as timestamp) as listed_at,
       t.sold_marketplace as marketplace, l.product_id,
       json_extract_string(l.attributes, '$.description') as description,
       json_extract_string(l.attributes, '$.size') as size,
       json_extract_string(l.attributes, '$.listing_type') as listing_type,
       try_cast(json_extract_string(l.attributes, '$.year') as double) as year,
       try_cast(json_extract_string(l.attributes, '$.odometer') as double) as odometer
from fct_trades t
left join fct_listings l on l.source = t.source and l.listing_id = t.listing_id
where t.status = 'sold' and t.proceeds > 0
order by t.trade_id
"""


def own_sales(warehouse: Path) -> pl.DataFrame:
    """The user's sold trades in the comps' columns; empty before the warehouse has trades."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = {row[0] for row in conn.sql("show tables").fetchall()}
        if not {"fct_trades", "fct_listings"} <= tables:
            return pl.DataFrame()
        return pl.from_arrow(conn.sql(OWN_SALES_SQL).to_arrow_table())


def with_own_sales(
    comps: pl.DataFrame, sales: pl.DataFrame, weight: int = OWN_SALE_WEIGHT
) -> pl.DataFrame:
    """Scraped comps plus each own sale `weight` times, in the comps' columns (a column the
    sales lack is null; one the comps lack is dropped)."""
    if sales.is_empty():
        return comps
    aligned = pl.concat([comps.head(0), sales], how="diagonal_relaxed").select(comps.columns)
    return pl.concat([comps, *[aligned] * weight], how="vertical_relaxed")
