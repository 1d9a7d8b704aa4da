"""Fit/predict time and peak memory of the resale model on synthetic marketplace listings."""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import polars as pl

from arb_pipeline.pricing.model import fit_model

# brand -> (category, [(model name, log base price)])
CATALOG: dict[str, tuple[str, list[tuple[str, float]]]] = {
    "apple": (
        "laptops",
        [("macbook pro 13", 6.6), ("macbook pro 15", 7.0), ("macbook air", 6.3), ("imac", 6.4)],
    ),
    "apple ": ("phones", [("iphone 12", 5.9), ("iphone 13 pro", 6.4), ("iphone se", 5.0)]),
    "samsung": ("phones", [("galaxy s21", 5.8), ("galaxy s22 ultra", 6.3), ("galaxy a52", 4.9)]),
    "google": ("phones", [("pixel 6", 5.6), ("pixel 7 pro", 6.1)]),
    "dell": ("laptops", [("xps 13", 6.3), ("latitude 7490", 5.5), ("inspiron 15", 5.2)]),
    "lenovo": ("laptops", [("thinkpad x1 carbon", 6.2), ("thinkpad t480", 5.6), ("yoga 7", 5.7)]),
    "sony": ("consoles", [("playstation 5", 6.0), ("playstation 4 pro", 5.3), ("ps vita", 4.6)]),
    "nintendo": ("consoles", [("switch oled", 5.6), ("switch lite", 5.0), ("3ds xl", 4.7)]),
    "microsoft": ("consoles", [("xbox series x", 5.9), ("surface pro 7", 5.9)]),
    "canon": ("cameras", [("eos r6", 7.3), ("eos 80d", 6.2), ("powershot g7x", 5.8)]),
}
CAPACITIES = [("64gb", -0.25), ("128gb", 0.0), ("256gb", 0.15), ("512gb", 0.3), ("1tb", 0.45)]
CONDITIONS = [
    ("new", "brand new sealed", 0.25),
    ("like_new", "mint", 0.12),
    ("good", "used", 0.0),
    ("fair", "scratches", -0.15),
    ("for_parts", "for parts broken", -0.9),
]
EXTRAS = ["", "", "unlocked", "with box", "bundle", "fast shipping", "read", "lot", "charger"]
COLOURS = ["black", "white", "silver", "space gray", "blue", "red", "gold"]
VOCABULARY = 30_000
# where the item sold (the model's exit input) and how its prices differ there
MARKETPLACES = [("ebay", 0.0), ("mercari", 0.08), ("vinted", -0.1)]
START = np.datetime64("2024-01-01", "ms")


def synthetic_listings(rows: int, seed: int = 0) -> pl.DataFrame:
    """Listings with titles from a brand/model/capacity/condition vocabulary, log-normal prices."""
    rng = np.random.default_rng(seed)
    products = [(b.strip(), cat, m, p) for b, (cat, ms) in CATALOG.items() for m, p in ms]
    product = rng.integers(len(products), size=rows)
    capacity = rng.integers(len(CAPACITIES), size=rows)
    condition = rng.choice(len(CONDITIONS), size=rows, p=[0.15, 0.2, 0.4, 0.17, 0.08])
    extra = rng.integers(len(EXTRAS), size=rows)
    colour = rng.integers(len(COLOURS), size=rows)
    days = rng.uniform(0, 365, size=rows)
    base = np.array([p[3] for p in products])[product]
    cap_effect = np.array([c[1] for c in CAPACITIES])[capacity]
    cond_effect = np.array([c[2] for c in CONDITIONS])[condition]
    exit_marketplace = rng.choice(len(MARKETPLACES), size=rows, p=[0.7, 0.2, 0.1])
    exit_effect = np.array([m[1] for m in MARKETPLACES])[exit_marketplace]
    log_price = (
        base + cap_effect + cond_effect + exit_effect - 0.0005 * days + rng.normal(0, 0.3, rows)
    )
    brands = np.array([p[0] for p in products])[product]
    letters = rng.integers(97, 123, size=(VOCABULARY, 8)).astype(np.uint8)
    lengths = rng.integers(3, 9, size=VOCABULARY)
    words = [bytes(letters[i, : lengths[i]]).decode() for i in range(VOCABULARY)]
    free = rng.zipf(1.3, size=(rows, 2)) - 1  # seller's own words, a long Zipf tail
    titles = [
        " ".join(
            w
            for w in (
                brands[i] if rng.random() < 0.8 else "",
                products[product[i]][2],
                CAPACITIES[capacity[i]][0],
                COLOURS[colour[i]],
                CONDITIONS[condition[i]][1],
                EXTRAS[extra[i]],
                *(words[w] for w in free[i] if 0 < w < VOCABULARY),
                f"#{rng.integers(1000)}" if rng.random() < 0.3 else "",
            )
            if w
        )
        for i in range(rows)
    ]
    blank = rng.random(rows) < 0.25  # marketplaces that show no condition/category/brand
    return pl.DataFrame(
        {
            "title": titles,
            "price": np.round(np.exp(log_price), 2),
            "currency": "USD",
            "condition": np.where(blank, None, np.array([c[0] for c in CONDITIONS])[condition]),
            "category": np.where(blank, None, np.array([p[1] for p in products])[product]),
            "brand": np.where(blank | (rng.random(rows) < 0.1), None, brands),
            "shipping_price": np.where(rng.random(rows) < 0.3, np.nan, rng.gamma(2, 6, rows)),
            "seller_feedback": rng.lognormal(4, 2, rows).round(),
            "listed_at": START + (days * 86_400_000).astype("timedelta64[ms]"),
            "marketplace": np.array([m[0] for m in MARKETPLACES])[exit_marketplace],
        }
    )


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Print fit time, predict time, holdout metrics and peak RSS against the goals."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-rows", type=int, default=100_000)
    parser.add_argument("--predict-rows", type=int, default=1_000_000)
    args = parser.parse_args()

    train = synthetic_listings(args.train_rows, seed=0)
    started, cpu = time.perf_counter(), time.process_time()
    model = fit_model(train)
    fit_seconds, fit_cpu = time.perf_counter() - started, time.process_time() - cpu
    metrics = model.card["metrics"]
    fit_rss = peak_rss_mib()
    print(
        f"fit_model on {train.height:,} rows (holdout eval + CV + final): {fit_seconds:.1f}s "
        f"wall, {fit_cpu:.1f}s CPU"
    )
    print(f"  of which the holdout candidate's fit: {metrics['fit_seconds']:.1f}s")
    print(f"  peak RSS after fit: {fit_rss:,.0f} MiB")
    for name in ("model", "baseline_tfidf_ridge", "baseline_global_median"):
        m = metrics[name]
        print(f"  {name:24} rmsle={m['rmsle']:.4f} coverage={m['coverage_p10_p90']}")

    new = synthetic_listings(args.predict_rows, seed=1).drop("price")
    started, cpu = time.perf_counter(), time.process_time()
    pred = model.predict(new)
    predict_seconds, predict_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert pred.height == new.height
    rss = peak_rss_mib()
    print(f"predict on {new.height:,} rows: {predict_seconds:.1f}s wall, {predict_cpu:.1f}s CPU")
    print(f"peak RSS overall: {rss:,.0f} MiB")
    print(
        f"goals: fit<=60s {'OK' if fit_seconds <= 60 else 'MISSED'}, "
        f"predict<=30s {'OK' if predict_seconds <= 30 else 'MISSED'}, "
        f"RSS<=4GiB {'OK' if rss <= 4096 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
