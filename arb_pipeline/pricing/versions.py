"""Model versions under ARB_HOME/models/<version>/, the CURRENT pointer and the promotion guard."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from arb_pipeline.pricing.model import (
    ResaleModel,
    evaluate_holdout,
    fit_as_given,
    prediction_metrics,
    training_rows,
)
from arb_pipeline.pricing.sell_through import MODEL_FILE as SELL_THROUGH_FILE
from arb_pipeline.pricing.sell_through import SellThroughModel

CURRENT_FILE = "CURRENT"
HOLDOUT_FRACTION = 0.2
MIN_COMPARE_ROWS = 30  # fewer unseen holdout rows than this: compare on the whole holdout
MAX_RMSLE_RATIO = 1.02  # the new model may be at most 2% worse than the current one
COVERAGE_TARGET, COVERAGE_BAND = 0.80, (0.75, 0.85)


@dataclass
class PromotionDecision:
    """Whether a newly trained version became current, and why."""

    promoted: bool
    reason: str
    new_metrics: dict[str, Any] | None
    current_metrics: dict[str, Any] | None
    current_version: str | None = None
    holdout_rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for the model card and Dagster metadata."""
        return asdict(self)


def train_version(
    models_dir: Path, training: pl.DataFrame
) -> tuple[str, ResaleModel, PromotionDecision]:
    """Fit and save a new version; make it current only if it passes the promotion guard."""
    models_dir = Path(models_dir)
    report, holdout = evaluate_holdout(training, test_fraction=HOLDOUT_FRACTION)
    # the same columns as the holdout model: a leaking column never reaches the saved model
    kept = training.drop([leak["column"] for leak in report["excluded_leaky_columns"]])
    model = fit_as_given(kept)
    model.card["metrics"] = report
    model.card["excluded_leaky_columns"] = report["excluded_leaky_columns"]
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    decision = _decide(models_dir, report, holdout)
    model.card.update(
        {
            "version": version,
            "trained_at": datetime.now(UTC).isoformat(),
            "data_window": _data_window(training),
            "baselines": {
                k: v for k, v in (model.card.get("metrics") or {}).items() if k.startswith("base")
            },
            "promotion": decision.as_dict(),
        }
    )
    model.save(models_dir / version)
    if decision.promoted:
        pointer = models_dir / f".{CURRENT_FILE}.tmp"
        pointer.write_text(version + "\n", encoding="utf-8")
        os.replace(pointer, models_dir / CURRENT_FILE)
    return version, model, decision


def current_version(models_dir: Path) -> str | None:
    """The version CURRENT points at, or None before the first model."""
    pointer = Path(models_dir) / CURRENT_FILE
    return pointer.read_text(encoding="utf-8").strip() if pointer.exists() else None


def load_current(models_dir: Path) -> tuple[str, ResaleModel]:
    """The current model version and the model itself."""
    version = current_version(models_dir)
    if version is None:
        raise FileNotFoundError(f"no trained model in {models_dir}: materialize resale_model first")
    return version, ResaleModel.load(Path(models_dir) / version)


def load_sell_through(models_dir: Path, version: str) -> SellThroughModel | None:
    """The sell-through model saved with a version, or None if it has none."""
    directory = Path(models_dir) / version
    return SellThroughModel.load(directory) if (directory / SELL_THROUGH_FILE).is_file() else None


def _decide(models_dir: Path, report: dict[str, Any], holdout: pl.DataFrame) -> PromotionDecision:
    """Compare on the holdout rows the current model did not train on (newer than its window)."""
    version = current_version(models_dir)
    if version is None:
        return PromotionDecision(True, "first model: promoted", report["model"], None)
    current = ResaleModel.load(models_dir / version)
    unseen = _newer_than(holdout, (current.card.get("data_window") or {}).get("max_listed_at"))
    if unseen.sum() >= MIN_COMPARE_ROWS:
        rows = holdout.filter(unseen)
        y = rows["price"].to_numpy()
        new = prediction_metrics(y, rows["pred_p50"], rows["pred_p10"], rows["pred_p90"])
        pred = current.predict(rows)
        old = prediction_metrics(y, pred["pred_p50"], pred["pred_p10"], pred["pred_p90"])
        on, n_rows = f"on the newest {rows.height} rows", rows.height
    else:  # the current model trained on the holdout: compare both models' own holdout scores
        new, old = report["model"], (current.card.get("metrics") or {}).get("model") or {}
        on, n_rows = "on each model's own newest-20% holdout (current trained on this one)", 0
    args = (new, old, version, n_rows)
    median = report["baseline_global_median"]["rmsle"]
    if report["model"]["rmsle"] >= median:
        why = (
            f"new RMSLE {report['model']['rmsle']:.4f} does not beat "
            f"the global-median baseline's {median:.4f}"
        )
        return PromotionDecision(False, f"rejected: {why}", *args)
    if not old:
        return PromotionDecision(True, "promoted: current model has no holdout metrics", *args)
    if new["rmsle"] > old["rmsle"] * MAX_RMSLE_RATIO:
        why = (
            f"new RMSLE {new['rmsle']:.4f} is more than {MAX_RMSLE_RATIO - 1:.0%} worse than "
            f"current {version}'s {old['rmsle']:.4f} {on}"
        )
        return PromotionDecision(False, f"rejected: {why}", *args)
    cov_new, cov_old = new["coverage_p10_p90"], old["coverage_p10_p90"]
    in_band = COVERAGE_BAND[0] <= cov_new <= COVERAGE_BAND[1]
    if not in_band and abs(cov_new - COVERAGE_TARGET) > abs(cov_old - COVERAGE_TARGET):
        why = (
            f"new p10-p90 coverage {cov_new:.3f} is outside {COVERAGE_BAND} and further from "
            f"{COVERAGE_TARGET} than current {version}'s {cov_old:.3f} {on}"
        )
        return PromotionDecision(False, f"rejected: {why}", *args)
    why = (
        f"RMSLE {new['rmsle']:.4f} vs current {old['rmsle']:.4f}, "
        f"coverage {cov_new:.3f} vs {cov_old:.3f} {on}"
    )
    return PromotionDecision(True, f"promoted: {why}", *args)


def _listed_at(frame: pl.DataFrame) -> pl.Series | None:
    if "listed_at" not in frame.columns:
        return None
    listed = frame["listed_at"]
    if listed.dtype == pl.String:
        listed = listed.str.to_datetime(strict=False, time_zone="UTC")
    return listed if listed.dtype.is_temporal() and listed.null_count() < listed.len() else None


def _newer_than(holdout: pl.DataFrame, window_end: str | None) -> pl.Series:
    """True for holdout rows listed after window_end (all True when it is unknown)."""
    listed = _listed_at(holdout)
    if listed is None or window_end is None or listed.dtype == pl.Date:
        return pl.Series([True] * holdout.height)
    end = datetime.fromisoformat(window_end)
    end = end if end.tzinfo else end.replace(tzinfo=UTC)  # naive times are read as UTC
    micros = (end - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    return (listed.dt.epoch("us") > micros).fill_null(False)


def _data_window(training: pl.DataFrame) -> dict[str, Any]:
    data = training_rows(training)
    window: dict[str, Any] = {"rows": data.height, "min_listed_at": None, "max_listed_at": None}
    listed = _listed_at(data)
    if listed is not None:
        window.update(min_listed_at=str(listed.min()), max_listed_at=str(listed.max()))
    return window
