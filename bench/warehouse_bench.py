"""Warehouse benchmark: a full dbt build over N raw listing snapshots, then one incremental
build of a new 5,000-row partition, beside a plain pandas version of the core transforms.

Run: `.venv/bin/python bench/warehouse_bench.py --rows 1000000`. The last line is
`rows=N dbt_build_s=S incremental_s=I peak_rss_mb=M pandas_reference_s=P speedup=X`
(peak RSS is the larger of the two dbt processes; speedup = pandas / dbt build).
The line before it gives the CPU seconds of each dbt build and the load average, since wall
times on a shared 2-core machine depend on what else runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arb_pipeline.lake import RAW_SCHEMA, write_partition  # noqa: E402
from arb_pipeline.paths import DBT_PROJECT_DIR, ArbHome  # noqa: E402
from arb_pipeline.sandbox.catalogue import CATALOGUE, CONDITION_FACTORS  # noqa: E402
from arb_pipeline.warehouse import BUILD_OPTIONS  # noqa: E402

SOURCES = ("sandbox_ebay_api", "sandbox_craigslist", "sandbox_ebay_finding")
# dbt runs under this small launcher, which reports its child's peak RSS: a child forked
# straight from the benchmark would also count the pages of the benchmark's own data frames.
LAUNCHER = (
    "import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(done.returncode)"
)
FIRST_DAY = date(2026, 1, 1)
DAYS = 30
CONDITIONS = list(CONDITION_FACTORS)


def snapshots(rows: int, days: list[date], seed: int, first_id: int = 0) -> pl.DataFrame:
    """`rows` raw snapshots: listings seen on ~3 days each, some cutting their price."""
    rng = np.random.default_rng(seed)
    listings = max(rows // 3, 1)
    listing = rng.integers(0, listings, rows) + first_id
    product = listing % len(CATALOGUE)
    condition = (listing // 7) % len(CONDITIONS)
    day = np.sort(rng.integers(0, len(days), rows))
    ref = np.array([p.reference_price for p in CATALOGUE])[product]
    factor = np.array([CONDITION_FACTORS[c] for c in CONDITIONS])[condition]
    base = ref * factor * np.exp(rng.normal(0, 0.15, rows))
    cut = np.where((listing % 4) == 0, 0.97 ** (day % 5), 1.0)  # a quarter cut prices
    source_index = listing % len(SOURCES)
    status = np.where(source_index == 2, np.where(listing % 3 == 0, "ended", "sold"), "active")
    titles = np.array([p.title for p in CATALOGUE])[product]
    scraped = np.array(days, dtype="datetime64[D]").astype("datetime64[us]")
    return pl.DataFrame(
        {
            "source": np.array(SOURCES)[source_index],
            "date": np.array(days, dtype="datetime64[D]")[day],
            "listing_id": listing.astype(str),
            "url": np.char.add("https://example.invalid/itm/", listing.astype(str)),
            "title": titles,
            "price": np.round(base * cut, 2),
            "currency": "USD",
            "shipping_price": np.where(listing % 2 == 0, 9.99, 0.0),
            "condition": np.array(CONDITIONS)[condition],
            "condition_raw": None,
            "category_raw": np.array([p.category for p in CATALOGUE])[product],
            "brand": np.array([p.brand for p in CATALOGUE])[product],
            "location": "Chicago, IL",
            "seller_id": np.char.add("seller_", (listing % 5000).astype(str)),
            "image_url": None,
            "listed_at": scraped[np.maximum(day - 2, 0)],
            "status": status,
            "scraped_at": scraped[day],
            "attributes": "{}",
        },
        schema_overrides={"condition_raw": pl.String, "image_url": pl.String},
    ).with_columns(pl.col("listed_at", "scraped_at").dt.replace_time_zone("UTC"))


def write_lake(home: ArbHome, frame: pl.DataFrame) -> None:
    """Write the frame as hive partitions (one file per source and date)."""
    for (source, day), part in frame.group_by("source", "date"):
        write_partition(home.raw_listings, source, day, part.select(list(RAW_SCHEMA)))


def write_predictions(home: ArbHome, frame: pl.DataFrame) -> None:
    """Fake model output for the active listings (the benchmark measures the warehouse)."""
    active = frame.filter(pl.col("status") == "active").unique(["source", "listing_id"])
    active.select(
        "source",
        "listing_id",
        exit_marketplace=pl.lit("ebay"),  # one exit: resale_predictions has a row per exit
        pred_p10=pl.col("price") * 0.9,
        pred_p50=pl.col("price") * 1.1,
        pred_p90=pl.col("price") * 1.3,
        currency=pl.lit("USD"),
        sell_probability=pl.lit(0.7),
    ).write_parquet(home.predictions)


def dbt_build(home: ArbHome, *args: str) -> tuple[float, float, float]:
    """Wall and CPU seconds and peak RSS (MB) of one `dbt build` into ARB_HOME's warehouse."""
    env = {**os.environ, "ARB_HOME": str(home.root), "ARB_WAREHOUSE_PATH": str(home.warehouse)}
    command = [
        sys.executable, "-c", LAUNCHER, str(Path(sys.executable).with_name("dbt")),
        "build", "--quiet", *BUILD_OPTIONS,
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(home.root / "dbt_target"), "--log-path", str(home.root), *args,
    ]  # fmt: skip
    start, cpu = time.perf_counter(), _children_cpu()
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"dbt build failed:\n{completed.stdout[-4000:]}")
    peak_kb = int(completed.stderr.split()[-1])
    return time.perf_counter() - start, _children_cpu() - cpu, peak_kb / 1024


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pandas_reference(frame: pl.DataFrame) -> float:
    """Seconds for the same core transforms in straightforward pandas."""
    start = time.perf_counter()
    df = frame.to_pandas()
    df["listing_key"] = df["source"] + ":" + df["listing_id"]
    df = df.sort_values(["listing_key", "date", "scraped_at"])
    daily = df.groupby(["listing_key", "date"], as_index=False).last()
    latest = daily.groupby("listing_key").agg(
        price=("price", "last"),
        status=("status", "last"),
        title=("title", "last"),
        condition=("condition", "last"),
        first_seen=("date", "min"),
        last_seen=("date", "max"),
        times_seen=("date", "count"),
    )
    daily["previous_price"] = daily.groupby("listing_key")["price"].shift()
    changes = daily[daily["previous_price"].notna() & (daily["price"] != daily["previous_price"])]
    changes = changes.assign(drop_pct=100 * (changes["previous_price"] - changes["price"]))
    latest["product"] = latest["title"].str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True)
    ended = latest[latest["status"].isin(["sold", "ended"])]
    stats = ended.groupby(["product", "condition"]).agg(
        comps=("status", lambda s: (s == "sold").sum()),
        median=("price", "median"),
        p25=("price", lambda p: p.quantile(0.25)),
        p75=("price", lambda p: p.quantile(0.75)),
    )
    assert len(latest) and len(stats) and len(changes) >= 0
    return time.perf_counter() - start


def main() -> None:
    """Generate, build, build incrementally, compare, print the figures."""
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--rows", type=int, default=1_000_000)
    options.add_argument("--workdir", help="keep the lake, warehouse and dbt timings here")
    args = options.parse_args()
    rows = args.rows
    days = [FIRST_DAY + timedelta(days=n) for n in range(DAYS)]
    with tempfile.TemporaryDirectory() as scratch:
        home = ArbHome(Path(args.workdir or scratch)).ensure()
        history = snapshots(rows, days, seed=1)
        write_lake(home, history)
        write_predictions(home, history)
        build_s, build_cpu, build_mb = dbt_build(home)

        new_day = days[-1] + timedelta(days=1)
        fresh = snapshots(5_000, [new_day], seed=2, first_id=rows // 3 - 2_000)
        write_lake(home, fresh)
        incremental_s, incremental_cpu, incremental_mb = dbt_build(home)

        pandas_s = pandas_reference(history)
        peak_mb = max(build_mb, incremental_mb)
        counts = json.dumps({"raw_partitions": len(list(home.raw_listings.rglob("*.parquet")))})
        print(counts)
    print(
        f"cpu_s: dbt_build={build_cpu:.1f} incremental={incremental_cpu:.1f} "
        f"load_average={os.getloadavg()[0]:.1f}"
    )
    print(
        f"rows={rows} dbt_build_s={build_s:.1f} incremental_s={incremental_s:.1f} "
        f"peak_rss_mb={peak_mb:.0f} pandas_reference_s={pandas_s:.1f} "
        f"speedup={pandas_s / build_s:.2f}"
    )


if __name__ == "__main__":
    main()
