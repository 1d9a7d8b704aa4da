"""Reviewed expected outputs of real saved pages (the web-poet way): inputs + output JSON.

Each real page in ../shared/fixtures has `expected/<folder>/<file name>.json` here: the page
state, the records (without `scraped_at`, which is the time of the parse) and the problems.
A parser change shows as a diff of that file. After reviewing a change by hand, rewrite the
files with `ARB_UPDATE_EXPECTED=1 pytest arb_pipeline_tests/sources`.
"""

from __future__ import annotations

import gzip
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from arb_pipeline.sources.pages import PageResult, read_page
from arb_pipeline.sources.registry import parser_for

EXPECTED = Path(__file__).parent / "expected"


def read_fixture(shared_fixtures: Path, name: str) -> bytes:
    """A real saved page's bytes (gzip-saved pages decompressed)."""
    body = (shared_fixtures / name).read_bytes()
    return gzip.decompress(body) if name.endswith(".gz") else body


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def page_output(page: PageResult, fixture: str) -> dict[str, Any]:
    """What a parse of a page is compared on (the page's own path left out of the messages)."""
    records = [{k: v for k, v in r.items() if k != "scraped_at"} for r in page.records]
    return json.loads(
        json.dumps(
            {
                "state": page.state,
                "reason": page.reason,
                "records": records,
                "problems": page.problems,
            },
            default=_plain,
            ensure_ascii=False,
        ).replace(fixture, "<fixture>")
    )


def check_expected(
    shared_fixtures: Path, source: str, fixture: str, url: str | None = None
) -> PageResult:
    """Parse a real page (with `url`, or as the CLI does without it) and compare the output with
    its reviewed expected file; returns the parsed page for further assertions."""
    body = read_fixture(shared_fixtures, fixture)
    path = shared_fixtures / fixture
    page = read_page(parser_for(source), body, url or path.resolve().as_uri())
    output = page_output(page, str(path.resolve()))
    suffix = ".with_url.json" if url else ".json"
    expected_file = EXPECTED / (fixture.removesuffix(".gz") + suffix)
    if os.environ.get("ARB_UPDATE_EXPECTED") == "1":
        expected_file.parent.mkdir(parents=True, exist_ok=True)
        expected_file.write_text(json.dumps(output, indent=1, ensure_ascii=False) + "\n")
    expected = json.loads(expected_file.read_text())
    assert output == expected, f"{fixture} parses differently from {expected_file.name}"
    return page


def check_expected_with_and_without_url(
    shared_fixtures: Path, source: str, fixture: str, url: str
) -> PageResult:
    """check_expected as the CLI reads a saved file (the site read from the page) and with the
    page's real URL; the two must give the same state and records. Returns the first."""
    bare = check_expected(shared_fixtures, source, fixture)
    with_url = check_expected(shared_fixtures, source, fixture, url=url)
    assert bare.state == with_url.state
    assert _without_scrape_time(bare) == _without_scrape_time(with_url)
    return bare


def _without_scrape_time(page: PageResult) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "scraped_at"} for r in page.records]
