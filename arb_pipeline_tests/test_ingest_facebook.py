"""Marketplace through a real browser: the sandbox's JS page crawled with scrapy-playwright."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from arb_pipeline.ingest import archive_dir, fetch_sandbox_partition, parse_archive
from arb_pipeline.paths import ArbHome
from arb_pipeline.sandbox.server import SandboxMarketplace, facebook_listings
from arb_pipeline.sources.common import ParseError
from arb_pipeline.sources.crawl import CHROMIUM, CrawlSettings, crawl

DAY = date(2026, 11, 20)
SOURCE = "sandbox_facebook"


@pytest.fixture
def home(arb_home: Path) -> ArbHome:
    return ArbHome.from_env().ensure()


@pytest.fixture
def chromium() -> str:
    """The system Chromium; skipped when absent, a failure under CI=true."""
    path = os.environ.get("ARB_CHROMIUM") or CHROMIUM
    if not Path(path).is_file():
        message = f"Chromium not found at {path} (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}; CI=true: the browser crawl must not be skipped")
        pytest.skip(message)
    return path


def test_browser_crawl_archives_the_rendered_listings(home: ArbHome, chromium: str) -> None:
    served = facebook_listings(7, DAY)
    fetched = fetch_sandbox_partition(home, SOURCE, DAY)
    assert (fetched.pages, fetched.problems) == (1, [])
    parsed = parse_archive(home, SOURCE, DAY)
    assert parsed.quarantined == []
    assert parsed.rows == len(served)  # every scroll-loaded page of items was rendered
    frame = pl.read_parquet(parsed.path)
    assert sorted(frame["listing_id"]) == sorted(item.listing_id for item in served)
    assert set(frame["currency"]) == {"USD"} and frame["price"].min() > 0
    assert frame["url"].str.contains("/marketplace/item/").all()


def test_plain_fetch_of_the_js_page_is_a_parse_error(home: ArbHome) -> None:
    with SandboxMarketplace(DAY) as marketplace:
        url = marketplace.start_url("facebook")
        result = crawl(SOURCE, url, archive_dir(home, SOURCE, DAY), CrawlSettings())
    assert result.pages == 1 and "rendered page" in result.problems[0]
    with pytest.raises(ParseError, match="rendered page"):
        parse_archive(home, SOURCE, DAY)
