"""Scrape one (source, day) partition into the lake: crawl, report problems, write atomically."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from arb_pipeline.lake import records_to_frame, write_partition
from arb_pipeline.paths import ArbHome
from arb_pipeline.sandbox.server import SandboxMarketplace
from arb_pipeline.sources.crawl import crawl
from arb_pipeline.sources.registry import SANDBOX_SOURCES


class BlockedFetchError(RuntimeError):
    """Every page of a crawl was blocked (captcha, challenge, login wall): not '0 listings'."""


@dataclass
class IngestReport:
    """What one partition's scrape produced."""

    source: str
    day: date
    rows: int
    pages: int
    path: Path | None
    problems: list[str] = field(default_factory=list)


def scrape_sandbox_partition(
    home: ArbHome, source: str, day: date, seed: int = 7, faults: frozenset[str] = frozenset()
) -> IngestReport:
    """Crawl the sandbox marketplace for one source and day and replace that lake partition."""
    spec = SANDBOX_SOURCES[source]
    archive_dir = home.archive / f"source={source}" / f"date={day.isoformat()}"
    with SandboxMarketplace(day, seed=seed, faults=faults) as marketplace:
        result = crawl(source, marketplace.start_url(spec.sandbox_feed), archive_dir)
    problems = result.problems + [f"blocked: {reason}" for reason in result.blocked]
    if result.blocked and not result.records:
        raise BlockedFetchError(
            f"{source} {day}: every fetched page was blocked; the partition was left as it was. "
            + "; ".join(result.blocked)
        )
    if not result.records and result.problems:
        raise RuntimeError(
            f"{source} {day}: no listings and {len(problems)} problem(s); the partition was left "
            "as it was. " + "; ".join(problems)
        )
    path = write_partition(home.raw_listings, source, day, records_to_frame(result.records))
    return IngestReport(source, day, len(result.records), result.pages, path, problems)
