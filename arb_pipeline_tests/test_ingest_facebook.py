"""Marketplace through a real browser: the sandbox's JS page crawled with scrapy-playwright."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from arb_pipeline.archive import archive_dir
from arb_pipeline.ingest import fetch_sandbox_partition, fetch_searches, parse_archive
from arb_pipeline.paths import ArbHome
from arb_pipeline.sandbox.server import FACEBOOK_API_PATH, SandboxMarketplace, facebook_listings
from arb_pipeline.searches import Search
from arb_pipeline.sources.common import ParseError
from arb_pipeline.sources.crawl import CrawlSettings, crawl
from arb_pipeline.sources.marketplaces import MarketplaceAccess

DAY = date(2026, 11, 20)
SOURCE = "sandbox_facebook"


@pytest.fixture
def home(arb_home: Path) -> ArbHome:
    return ArbHome(arb_home).ensure()


def test_browser_crawl_archives_the_rendered_listings(home: ArbHome, chromium: str) -> None:
    served = facebook_listings(7, DAY)
    fetched = fetch_sandbox_partition(home, SOURCE, DAY, settings=CrawlSettings(chromium=chromium))
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


class CookieSandbox(SandboxMarketplace):
    """The sandbox, also noting the Cookie header of each request to the Marketplace API."""

    def __init__(self, day: date) -> None:
        self.api_cookies: list[str | None] = []
        super().__init__(day)

    def _handler_class(self):
        cookies = self.api_cookies

        class Handler(super()._handler_class()):
            def do_GET(self) -> None:  # noqa: N802
                if self.path.startswith(FACEBOOK_API_PATH):
                    cookies.append(self.headers.get("Cookie"))
                super().do_GET()

        return Handler


def test_saved_search_on_facebook_crawls_logged_in(
    home: ArbHome, chromium: str, tmp_path: Path
) -> None:
    word = facebook_listings(7, DAY)[0].title.split()[0].lower()
    wanted = [item for item in facebook_listings(7, DAY) if word in item.title.lower()]
    cookie = {"name": "c_user", "value": "4242", "domain": "127.0.0.1", "path": "/"}
    state = tmp_path / "facebook_state.json"
    state.write_text(json.dumps({"cookies": [cookie | {"expires": -1}], "origins": []}))
    search = Search(name="deals", query=word, recipients=["me@example.com"])
    with CookieSandbox(DAY) as sandbox:
        access = MarketplaceAccess(
            base_urls={"facebook": sandbox.base_url}, facebook_storage_state=str(state)
        )
        settings = CrawlSettings(chromium=chromium)
        reports, failures = fetch_searches(home, "facebook", DAY, [search], access, settings)
    assert failures == [] and [r.pages for r in reports] == [1]
    assert sandbox.api_cookies and set(sandbox.api_cookies) == {"c_user=4242"}
    parsed = parse_archive(home, "facebook", DAY)
    assert parsed.rows == len(wanted) and parsed.quarantined == []
