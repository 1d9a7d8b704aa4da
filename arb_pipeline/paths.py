"""Where arb_pipeline keeps its state: everything lives under one folder, ARB_HOME."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def _under(*parts: str) -> property:
    """A read-only path under the home's root."""
    return property(lambda home: home.root.joinpath(*parts))


@dataclass(frozen=True)
class ArbHome:
    """The state folder and the well-known paths inside it; `state_url` is the SQLAlchemy URL of
    the alert/proposal store when it is not `state.db` in the folder."""

    root: Path
    state_url: str | None = None

    @classmethod
    def at(cls, path: str | Path | None = None, state_url: str | None = None) -> ArbHome:
        """The folder at `path` (`~` expanded, made absolute), else `.arb` in the project."""
        return cls(Path(path or PROJECT_ROOT / ".arb").expanduser().resolve(), state_url or None)

    lake = _under("lake")
    raw_listings = _under("lake", "raw_listings")
    predictions = _under("lake", "predictions", "resale_predictions.parquet")
    warehouse = _under("warehouse.duckdb")
    outbox = _under("outbox")
    models = _under("models")
    archive = _under("archive")
    # the Dagster builds' dbt artifacts and logs; its partial_parse.msgpack spares the next
    # build a full parse
    dbt_target = _under("dbt_target")

    def ensure(self) -> ArbHome:
        """Create the folders (idempotent) and return self."""
        for folder in (
            self.raw_listings,
            self.predictions.parent,
            self.outbox,
            self.models,
            self.archive,
        ):
            folder.mkdir(parents=True, exist_ok=True)
        return self
