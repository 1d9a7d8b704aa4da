"""Crawl one source with Scrapy: the spider navigates and archives, the parser extracts.

Scrapy's Twisted reactor cannot be restarted inside a process, so `crawl` runs each crawl in
a fresh Python subprocess (`python -m arb_pipeline.sources.crawl`) and reads back its result.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.spidermiddlewares.httperror import HttpError

from arb_pipeline.sources.common import BlockedPageError, ParseError, parse_timestamp
from arb_pipeline.sources.registry import parser_for

CRAWL_SETTINGS = {
    "LOG_LEVEL": "WARNING",
    "TELNETCONSOLE_ENABLED": False,
    "ROBOTSTXT_OBEY": True,
    "RETRY_TIMES": 2,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 0.0,
    "DOWNLOAD_TIMEOUT": 30,
    "USER_AGENT": "arb_pipeline (+https://github.com/arb-pipeline)",
}


@dataclass
class CrawlResult:
    """What one crawl produced: records, pages fetched, and every problem met on the way."""

    records: list[dict[str, Any]] = field(default_factory=list)
    pages: int = 0
    problems: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


class ListingSpider(scrapy.Spider):
    """Follows result pages from a start URL, archiving each body and handing it to the parser."""

    name = "listings"

    def __init__(self, source: str, start_url: str, archive_dir: str, max_pages: int = 50):
        super().__init__()
        self.source, self.start_url, self.max_pages = source, start_url, max_pages
        self.parser = parser_for(source)
        self.archive_dir = Path(archive_dir)
        self.result = CrawlResult()

    async def start(self):
        yield scrapy.Request(self.start_url, callback=self.parse, errback=self.failed)

    def parse(self, response, **kwargs):
        self.result.pages += 1
        self._archive(response.url, response.status, response.body)
        try:
            records, problems = self.parser.parse_with_problems(response.body, response.url)
        except BlockedPageError as error:
            self.result.blocked.append(str(error))
            return
        except ParseError as error:
            self.result.problems.append(f"parse error: {error}")
            return
        self.result.problems.extend(f"parse problem: {problem}" for problem in problems)
        for record in records:
            record["source"] = self.source
            self.result.records.append(record)
        next_url = self.parser.next_page(response.body, response.url)
        if next_url and self.result.pages < self.max_pages:
            yield scrapy.Request(next_url, callback=self.parse, errback=self.failed)

    def failed(self, failure):
        request = failure.request
        if failure.check(HttpError):
            status = failure.value.response.status
            self.result.problems.append(f"fetch failed: HTTP {status} for {request.url}")
        else:
            reason = failure.getErrorMessage() or failure.type.__name__
            self.result.problems.append(f"fetch failed: {reason} for {request.url}")

    def _archive(self, url: str, status: int, body: bytes) -> None:
        self.archive_dir.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha1(url.encode()).hexdigest()[:20]
        (self.archive_dir / f"{name}.gz").write_bytes(gzip.compress(body))
        with open(self.archive_dir / "pages.jsonl", "a", encoding="utf-8") as index:
            index.write(json.dumps({"url": url, "status": status, "file": f"{name}.gz"}) + "\n")


def _run_in_this_process(source: str, start_url: str, archive_dir: Path) -> CrawlResult:
    process = CrawlerProcess(settings=CRAWL_SETTINGS)
    crawler = process.create_crawler(ListingSpider)
    process.crawl(crawler, source=source, start_url=start_url, archive_dir=str(archive_dir))
    process.start()
    return crawler.spider.result


def crawl(source: str, start_url: str, archive_dir: Path) -> CrawlResult:
    """Crawl `source` from `start_url` in a subprocess; archive raw pages under `archive_dir`."""
    if archive_dir.exists():
        shutil.rmtree(archive_dir)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "result.json"
        command = [
            sys.executable,
            "-m",
            "arb_pipeline.sources.crawl",
            source,
            start_url,
            str(archive_dir),
            str(out),
        ]
        completed = subprocess.run(command, capture_output=True, text=True)
        if completed.returncode != 0 or not out.exists():
            raise RuntimeError(
                f"crawl of {source} from {start_url} crashed (exit {completed.returncode}): "
                f"{completed.stderr.strip()[-2000:]}"
            )
        payload = json.loads(out.read_text(encoding="utf-8"))
    for record in payload["records"]:
        for key in ("listed_at", "scraped_at"):
            record[key] = parse_timestamp(record[key])
    return CrawlResult(**payload)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def main() -> None:
    """Subprocess entry point: crawl and write the result as JSON."""
    parser = argparse.ArgumentParser()
    for name in ("source", "start_url", "archive_dir", "out"):
        parser.add_argument(name)
    args = parser.parse_args()
    result = _run_in_this_process(args.source, args.start_url, Path(args.archive_dir))
    Path(args.out).write_text(json.dumps(result.__dict__, default=_default), encoding="utf-8")


if __name__ == "__main__":
    main()
