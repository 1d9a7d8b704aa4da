"""Where arb_pipeline keeps its state: everything lives under one folder, ARB_HOME."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


@dataclass(frozen=True)
class ArbHome:
    """The state folder and the well-known paths inside it."""

    root: Path

    @classmethod
    def from_env(cls, value: str | None = None) -> ArbHome:
        """ARB_HOME from the argument, else the environment, else `.arb` in the project."""
        raw = value or os.environ.get("ARB_HOME") or str(PROJECT_ROOT / ".arb")
        return cls(Path(raw).expanduser().resolve())

    @property
    def lake(self) -> Path:
        return self.root / "lake"

    @property
    def raw_listings(self) -> Path:
        return self.lake / "raw_listings"

    @property
    def predictions(self) -> Path:
        return self.lake / "predictions" / "resale_predictions.parquet"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    def ensure(self) -> ArbHome:
        """Create the folders (idempotent) and return self."""
        for folder in (self.raw_listings, self.predictions.parent, self.outbox, self.models):
            folder.mkdir(parents=True, exist_ok=True)
        self.archive.mkdir(parents=True, exist_ok=True)
        return self
