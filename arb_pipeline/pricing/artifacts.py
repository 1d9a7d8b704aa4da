"""Saving and loading fitted models: a joblib file plus a JSON card beside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import joblib

T = TypeVar("T")


def save_artifact(
    model: Any, card: dict[str, Any], directory: Path, model_file: str, card_file: str
) -> None:
    """Write `model` (joblib) and its card (JSON) into `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, directory / model_file)
    (directory / card_file).write_text(json.dumps(card, indent=2, default=str) + "\n")


def load_artifact(kind: type[T], directory: Path, model_file: str) -> T:
    """Read a model saved by save_artifact; ValueError when missing or of another kind."""
    path = Path(directory) / model_file
    if not path.is_file():
        raise ValueError(f"no {kind.__name__} found at {path}")
    model = joblib.load(path)
    if not isinstance(model, kind):
        raise ValueError(f"{path} does not hold a {kind.__name__}")
    return model
