"""The registry finds every marketplace module, and the warehouse knows each of its sources."""

import csv
from pathlib import Path

from arb_pipeline.sources.registry import MARKETPLACE_SOURCES, PARSERS, SANDBOX_SOURCES, parser_for

SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "listing_sources.csv"


def _seed() -> dict[str, str]:
    with SEED.open(newline="") as handle:
        return {row["source"]: row["marketplace"] for row in csv.DictReader(handle)}


def test_every_source_has_its_marketplace_in_the_warehouse_seed() -> None:
    seed = _seed()
    missing = sorted((set(PARSERS) | set(SANDBOX_SOURCES)) - set(seed))
    assert not missing, f"add rows for {missing} to {SEED.name}"
    for name, spec in MARKETPLACE_SOURCES.items():
        assert seed[name] == spec.exit_marketplace, name


def test_every_parser_module_declares_its_page_markers() -> None:
    for name in PARSERS:
        markers = parser_for(name).PAGE_MARKERS
        assert markers.expected, name
