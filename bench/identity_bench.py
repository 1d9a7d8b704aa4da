"""Product identity benchmark: how fast the warehouse's identity step names products.

Titles are real (the 10,000 MacBook listings of ../shared/fixtures and the 300 Mercari items),
made distinct the way real titles differ: each gets a seller's stock number, so nothing is
answered twice. Two runs through `identify_frame` (what the dbt Python model calls):
  distinct  N distinct titles (the worst case: a first build where no title repeats)
  listings  N listings with the repeats of real marketplaces (each title about 3 times)
Run: `.venv/bin/python bench/identity_bench.py --rows 1000000`. The last line is
`rows=N distinct_s=S distinct_titles_per_s=R listings_s=L cpus=C load=A`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arb_pipeline.products import identify_frame  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def real_titles() -> list[str]:
    """The real titles the benchmark varies."""
    macbooks = pl.read_csv(
        FIXTURES / "ebay_finding_api" / "macbook_completed_items_2016.csv", infer_schema_length=0
    )["title"].to_list()
    mercari = FIXTURES / "mercari_api" / "search_items_2022.jsonl"
    items = [json.loads(line)["name"] for line in mercari.read_text().splitlines()]
    return macbooks + items


def distinct_titles(rows: int, seed: int = 7) -> pl.DataFrame:
    """`rows` distinct titles: real ones, each with its own stock number."""
    rng = np.random.default_rng(seed)
    titles = np.array(real_titles(), dtype=object)
    picked = titles[rng.integers(0, len(titles), rows)]
    numbers = rng.permutation(rows) + 100_000
    return pl.DataFrame({"title": [f"{t} #{n}" for t, n in zip(picked, numbers, strict=True)]})


def timed(frame: pl.DataFrame) -> float:
    """Wall seconds of one identify_frame call."""
    start = time.perf_counter()
    identify_frame(frame)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    distinct = distinct_titles(args.rows)
    distinct_s = timed(distinct)
    # listings: a third as many distinct titles, each listed about three times, shuffled
    listings = distinct.head(args.rows // 3).sample(args.rows, with_replacement=True, seed=3)
    listings_s = timed(listings)
    load = os.getloadavg()[0]
    print(
        f"rows={args.rows} distinct_s={distinct_s:.1f} "
        f"distinct_titles_per_s={args.rows / distinct_s:.0f} listings_s={listings_s:.1f} "
        f"cpus={os.cpu_count()} load={load:.1f}"
    )


if __name__ == "__main__":
    main()
