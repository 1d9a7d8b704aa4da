"""Fetch one source's result pages with Scrapy and archive every response body.

The spider only navigates: from each start URL it asks the source's parser for the next page
(at most `max_pages` per start URL) and stores each body in the archive folder it was given
(`arb_pipeline.archive` owns the layout and format). Parsing the archive is a separate step
(`arb_pipeline.ingest.parse_archive`), so a parser fix can be replayed over history without
fetching again.

Scrapy's Twisted reactor cannot be restarted inside a process, so `crawl` runs each crawl in
a fresh Python subprocess (`python -m arb_pipeline.sources.crawl`) and reads back its result.

With `render_js` the pages are fetched by a real browser (scrapy-playwright driving the
system Chromium the settings name, `/usr/bin/chromium` by default): the spider waits for the
parser's `ITEM_SELECTOR`, scrolls until no more items load, and archives the rendered HTML.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import scrapy
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy.crawler import CrawlerProcess
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy_playwright.page import PageMethod

from arb_pipeline.archive import archive_page
from arb_pipeline.sources.common import ParseError
from arb_pipeline.sources.pages import (
    BLOCKED,
    BLOCKING_STATUSES,
    RESULTS,
    UNRECOGNIZED,
    one_line,
    read_page,
)
from arb_pipeline.sources.registry import parser_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RENDER_WAIT_MS = 15_000  # for the first items to appear
SCROLL_WAIT_MS = 3_000  # for more items after each scroll
MAX_SCROLLS = 10


@dataclass
class CrawlSettings:
    """How to crawl: robots.txt, concurrency, user agent, proxies, page limit, browser."""

    obey_robots: bool = True
    concurrency_per_domain: int = 2
    user_agent: str = "arb_pipeline/0.1 (resale research; contact: see README)"
    proxies: list[str] = field(default_factory=list)
    max_pages: int = 50
    headers: dict[str, str] = field(default_factory=dict)  # e.g. API auth; never logged
    render_js: bool = False  # fetch with a real browser (scrapy-playwright + Chromium)
    storage_state: str | None = None  # logged-in Playwright storage state file; never logged
    warmup_url: str | None = None  # fetched first, not archived, for the site's session cookies
    chromium: str = CHROMIUM  # the system browser render_js drives (never a downloaded one)

    def scrapy_settings(self) -> dict[str, Any]:
        """The matching Scrapy settings (AutoThrottle on, retries with backoff, browser)."""
        settings = {
            "LOG_LEVEL": "WARNING",
            "TELNETCONSOLE_ENABLED": False,
            "ROBOTSTXT_OBEY": self.obey_robots,
            "CONCURRENT_REQUESTS_PER_DOMAIN": self.concurrency_per_domain,
            "AUTOTHROTTLE_ENABLED": True,
            "AUTOTHROTTLE_START_DELAY": 0.5,
            "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
            "RETRY_TIMES": 2,
            "RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
            "DOWNLOAD_TIMEOUT": 30,
            "USER_AGENT": self.user_agent,
        }
        return settings | (self.browser_settings() if self.render_js else {})

    def browser_settings(self) -> dict[str, Any]:
        """scrapy-playwright settings: system Chromium, one context per proxy."""
        handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
        context = {"storage_state": self.storage_state} if self.storage_state else {}
        return {
            "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
            "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": {
                "executable_path": self.chromium,
                "args": CHROMIUM_ARGS,
                "headless": True,
            },
            "PLAYWRIGHT_CONTEXTS": {
                f"proxy{index}": context | ({"proxy": {"server": proxy}} if proxy else {})
                for index, proxy in enumerate(self.proxies or [None])
            },
        }


@dataclass
class CrawlResult:
    """What one crawl fetched: pages archived, and every problem met on the way."""

    pages: int = 0
    problems: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


class PageSpider(scrapy.Spider):
    """Follows result pages from each start URL and archives each body."""

    name = "pages"
    custom_settings = {"HTTPERROR_ALLOWED_CODES": sorted(BLOCKING_STATUSES)}

    def __init__(self, source: str, start_urls: list[str], archive_dir: str, settings_json: str):
        super().__init__()
        self.source, self.start_urls = source, list(start_urls)
        self.crawl_settings = CrawlSettings(**json.loads(settings_json))
        self.parser = parser_for(source)
        self.archive_dir = Path(archive_dir)
        self.proxies = itertools.cycle(enumerate(self.crawl_settings.proxies or [None]))
        self.result = CrawlResult()

    def _request(self, url: str, page_number: int = 1) -> scrapy.Request:
        index, proxy = next(self.proxies)
        meta: dict[str, Any] = {"proxy": proxy} if proxy else {}
        if self.crawl_settings.render_js:  # the browser context carries the proxy
            selector = getattr(self.parser, "ITEM_SELECTOR", None)
            meta = {
                "playwright": True,
                "playwright_context": f"proxy{index}",
                "playwright_page_methods": [PageMethod(render_page, selector)],
            }
        return scrapy.Request(
            url,
            headers=self.crawl_settings.headers,
            callback=self.parse,
            errback=self.failed,
            meta=meta | {"page_number": page_number},
        )

    async def start(self):
        warmup = self.crawl_settings.warmup_url
        if warmup:
            yield scrapy.Request(
                warmup, callback=self.warmed_up, errback=self.warmup_failed, dont_filter=True
            )
        else:
            for url in self.start_urls:
                yield self._request(url)

    def warmed_up(self, response, **kwargs):
        for url in self.start_urls:
            yield self._request(url)

    def warmup_failed(self, failure):
        self.failed(failure)
        yield from self.warmed_up(None)

    def parse(self, response, **kwargs):
        self.result.pages += 1
        archive_page(self.archive_dir, response.url, response.status, response.body)
        try:
            page = read_page(self.parser, response.body, response.url, response.status)
            if page.state == BLOCKED:
                self.result.blocked.append(f"{response.url}: {one_line(page.reason)}")
                return
            if page.state == UNRECOGNIZED:
                reason = one_line(page.reason)
                self.result.problems.append(f"cannot find the next page: {response.url}: {reason}")
                return
            if page.state != RESULTS:  # empty or removed: no next page to find
                return
            next_url = self.parser.next_page(response.body, response.url)
        except ParseError as error:
            self.result.problems.append(f"cannot find the next page: {error}")
            return
        except Exception as error:  # a parser bug must show up in the report, not vanish
            self.result.problems.append(f"next-page lookup crashed on {response.url}: {error!r}")
            return
        page_number = response.meta["page_number"]
        if next_url and page_number < self.crawl_settings.max_pages:
            yield self._request(next_url, page_number + 1)

    def failed(self, failure):
        url = failure.request.url
        if failure.check(HttpError):
            status = failure.value.response.status
            self.result.problems.append(f"fetch failed: HTTP {status} for {url}")
        else:
            reason = failure.getErrorMessage() or failure.type.__name__
            self.result.problems.append(f"fetch failed: {reason} for {url}")


async def render_page(page: Page, selector: str | None) -> None:
    """Wait for the first items, then scroll until no more load (infinite scroll)."""
    if not selector:
        return
    try:
        await page.wait_for_selector(selector, timeout=RENDER_WAIT_MS)
    except PlaywrightTimeoutError:
        return  # a login wall, a challenge or no results: the parser tells which
    for _ in range(MAX_SCROLLS):
        if not await scrolled_for_more(page, selector):
            return


async def scrolled_for_more(page: Page, selector: str) -> bool:
    """Scroll to the bottom; True when more items load.

    A scroll that lands before the page's IntersectionObserver has seen the previous batch
    move its sentinel out of view triggers nothing, so one miss is retried by scrolling up
    a screen and back down before the feed counts as exhausted.
    """
    count = await page.locator(selector).count()
    grew = "([selector, count]) => document.querySelectorAll(selector).length > count"
    for attempt in range(2):
        if attempt:
            await page.evaluate("window.scrollBy(0, -2 * window.innerHeight)")
            await page.wait_for_timeout(250)
        await page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        try:
            await page.wait_for_function(grew, arg=[selector, count], timeout=SCROLL_WAIT_MS)
            return True
        except PlaywrightTimeoutError:
            continue
    return False


def crawl(
    source: str,
    start_url: str | list[str],
    archive_dir: Path,
    settings: CrawlSettings | None = None,
) -> CrawlResult:
    """Fetch `source` from its start URL(s) in a subprocess, replacing the archive folder."""
    start_urls = [start_url] if isinstance(start_url, str) else list(start_url)
    if archive_dir.exists():
        shutil.rmtree(archive_dir)
    settings = settings or CrawlSettings()
    if settings.storage_state and not Path(settings.storage_state).is_file():
        raise FileNotFoundError("the crawl's storage_state file does not exist")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "result.json"
        command = [
            sys.executable, "-m", "arb_pipeline.sources.crawl",
            source, str(archive_dir), str(out), *start_urls,
        ]  # fmt: skip
        # settings go through stdin: they may hold credentials, which argv would expose
        completed = subprocess.run(
            command, input=json.dumps(asdict(settings)), capture_output=True, text=True
        )
        if completed.returncode != 0 or not out.exists():
            raise RuntimeError(
                f"crawl of {source} from {start_urls[0]} crashed (exit {completed.returncode}): "
                f"{completed.stderr.strip()[-2000:]}"
            )
        return CrawlResult(**json.loads(out.read_text(encoding="utf-8")))


def main() -> None:
    """Subprocess entry point: crawl and write the result as JSON."""
    parser = argparse.ArgumentParser()
    for name in ("source", "archive_dir", "out"):
        parser.add_argument(name)
    parser.add_argument("start_urls", nargs="+")
    args = parser.parse_args()
    settings_json = sys.stdin.read()
    settings = CrawlSettings(**json.loads(settings_json))
    process = CrawlerProcess(settings=settings.scrapy_settings())
    crawler = process.create_crawler(PageSpider)
    process.crawl(
        crawler,
        source=args.source,
        start_urls=args.start_urls,
        archive_dir=args.archive_dir,
        settings_json=settings_json,
    )
    process.start()
    Path(args.out).write_text(json.dumps(asdict(crawler.spider.result)), encoding="utf-8")


if __name__ == "__main__":
    main()
