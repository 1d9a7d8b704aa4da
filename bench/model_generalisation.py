"""The same model code, unchanged, on other marketplaces' real data: Mercari clothing (brand,
size, condition, description) and Craigslist cars (year in the title). Prints model vs
baselines.

Mercari's `originalPrice` is left out: it is the same listing's earlier asking price, which
alone scores about as well as the model (a leak, not a feature); `--with-original-price`
shows what the target-leakage guard makes of it.

Run: `.venv/bin/python bench/model_generalisation.py` (random 80/20 split, seed 0: these
fixtures carry no dates).
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from arb_pipeline.pricing.model import evaluate, format_report
from arb_pipeline.sources import craigslist

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"


def mercari_clothing(original_price: bool = False) -> pl.DataFrame:
    """Mercari sold items (mostly clothing): title, brand, size, condition, description (and
    the listing's earlier asking price only when asked for)."""
    raw = pl.read_csv(FIXTURES / "mercari_api" / "search_items_2022.csv")
    return raw.unique("id", keep="first", maintain_order=True).select(
        title=pl.col("name"),
        price=pl.col("price") / 100,
        brand=pl.col("brandName"),
        category=pl.col("categoryTitle"),
        condition=pl.col("itemConditionName"),
        description=pl.col("description"),
        size=pl.col("itemSizeName"),
        original_price=(pl.col("originalPrice") / 100) if original_price else pl.lit(None),
    )


def craigslist_cars() -> pl.DataFrame:
    """Craigslist cars by owner (Chicago): title (with year) and asking price."""
    path = FIXTURES / "craigslist" / "search_cars_by_owner_chicago_2018.html"
    records = craigslist.parse(path.read_bytes(), "https://chicago.craigslist.org/search/cto")
    return pl.DataFrame(
        [{"title": r["title"], "price": r["price"]} for r in records if (r["price"] or 0) > 100]
    )


def main() -> None:
    """Evaluate and print one block per data set."""
    with_original = "--with-original-price" in sys.argv
    for name, frame in (
        ("mercari_clothing", mercari_clothing(with_original)),
        ("craigslist_cars", craigslist_cars()),
    ):
        print(f"{name}:")
        print(format_report(evaluate(frame, time_column=None)))


if __name__ == "__main__":
    main()
