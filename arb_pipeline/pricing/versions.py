"""Model versions under ARB_HOME/models/<version>/ and the pointer to the current one."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from arb_pipeline.pricing.model import ResaleModel, fit_model

CURRENT_FILE = "CURRENT"


def train_version(models_dir: Path, training: pl.DataFrame) -> tuple[str, ResaleModel]:
    """Fit a model, save it as a new version and make it current."""
    model = fit_model(training)
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    model.card.update({"version": version, "trained_at": datetime.now(UTC).isoformat()})
    model.save(models_dir / version)
    pointer = models_dir / f".{CURRENT_FILE}.tmp"
    pointer.write_text(version + "\n", encoding="utf-8")
    os.replace(pointer, models_dir / CURRENT_FILE)
    return version, model


def load_current(models_dir: Path) -> tuple[str, ResaleModel]:
    """The current model version and the model itself."""
    pointer = models_dir / CURRENT_FILE
    if not pointer.exists():
        raise FileNotFoundError(f"no trained model in {models_dir}: materialize resale_model first")
    version = pointer.read_text(encoding="utf-8").strip()
    return version, ResaleModel.load(models_dir / version)
