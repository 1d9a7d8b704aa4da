"""Product identity benchmark: how fast the warehouse's identity step names products.

Titles are real (the 10,000 MacBook listings of ../shared/fixtures and the 300 Mercari items),
made distinct the way real titles differ: each gets a seller's stock number, so nothing is
answered twice. Two runs through `identify_frame` (what the dbt Python model calls):
  distinct  N distinct titles (the worst case: a first build where no title repeats)
  listings  N listings with the repeats of real marketplaces (each title about 3 times)
Run: `.venv/bin/python bench/identity_bench.py --rows 1000000`. The last line is
`rows=N distinct_s=S distinct_titles_per_cpu_s=R distinct_idle_s=I listings_s=L
listings_idle_s=J`: wall seconds, and the wall time on an idle machine worked out from CPU
seconds (this process's own, serial part plus the extraction workers' CPU over the cores);
the line before gives the CPU seconds and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

import numpy as np
import polars as pl

from arb_pipeline.products import identify_frame

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


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (the extraction workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def timed(frame: pl.DataFrame) -> tuple[float, float, float]:
    """Wall seconds, and the CPU seconds of this process and of the workers, of one call."""
    start, (own, workers) = time.perf_counter(), _cpu()
    identify_frame(frame)
    after = _cpu()
    return time.perf_counter() - start, after[0] - own, after[1] - workers


def idle_seconds(own: float, workers: float) -> float:
    """The wall time on an idle machine: this process's own (serial) part, and the workers'
    CPU shared by the cores."""
    return own + workers / (os.cpu_count() or 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    distinct = distinct_titles(args.rows)
    distinct_s, distinct_own, distinct_workers = timed(distinct)
    # listings: a third as many distinct titles, each listed about three times, shuffled
    listings = distinct.head(args.rows // 3).sample(args.rows, with_replacement=True, seed=3)
    listings_s, listings_own, listings_workers = timed(listings)
    # on a busy shared machine the wall time mostly measures the others: the CPU seconds say
    # what the same run takes on an idle one
    cpu = distinct_own + distinct_workers
    print(
        f"cpu seconds (own + workers): distinct {distinct_own:.1f} + {distinct_workers:.1f}, "
        f"listings {listings_own:.1f} + {listings_workers:.1f}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"rows={args.rows} distinct_s={distinct_s:.1f} "
        f"distinct_titles_per_cpu_s={args.rows / cpu:.0f} "
        f"distinct_idle_s={idle_seconds(distinct_own, distinct_workers):.1f} "
        f"listings_s={listings_s:.1f} "
        f"listings_idle_s={idle_seconds(listings_own, listings_workers):.1f}"
    )


if __name__ == "__main__":
    main()
