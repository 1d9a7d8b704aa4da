"""Fit and evaluate the resale model on sold eBay MacBook listings, split by end time."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import polars as pl

from arb_pipeline.pricing.model import evaluate, fit_model, format_report, read_table

DEFAULT_CSV = (
    Path(__file__).resolve().parents[2]
    / "shared/fixtures/ebay_finding_api/macbook_completed_items_2016.csv"
)


def sold_listings(path: Path) -> pl.DataFrame:
    """Sold rows of the eBay Finding API export, with price and listed_at columns."""
    frame = read_table(path).filter(pl.col("sellingState") == "EndedWithSales")
    return frame.rename({"value": "price", "endTime": "listed_at"})


def main() -> None:
    """Print holdout metrics for the model and its baselines, and fit times."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    args = parser.parse_args()

    frame = sold_listings(args.csv)
    for time_column in ("listed_at", None):
        report = evaluate(frame, time_column=time_column, test_fraction=args.test_fraction)
        print(format_report(report))
    started = time.perf_counter()
    model = fit_model(frame)
    print(
        f"fit_model on all {model.card['training_rows']} sold rows (with holdout evaluation): "
        f"{time.perf_counter() - started:.1f}s"
    )


if __name__ == "__main__":
    main()
