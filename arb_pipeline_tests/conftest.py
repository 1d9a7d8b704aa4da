"""Shared test fixtures: real marketplace pages from ../shared/fixtures and a temp ARB_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from arb_pipeline.sources.crawl import CHROMIUM
from arb_pipeline_tests.requirements import skip_or_fail

SHARED_FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """The folder of real saved pages; skipped when absent, a failure under CI=true."""
    if not SHARED_FIXTURES.is_dir():
        skip_or_fail(f"real marketplace fixtures not found at {SHARED_FIXTURES}")
    return SHARED_FIXTURES


@pytest.fixture
def arb_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ARB_HOME for one test."""
    home = tmp_path / "arb_home"
    home.mkdir()
    monkeypatch.setenv("ARB_HOME", str(home))
    monkeypatch.delenv("SENDGRID_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return home


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system Chromium the browser tests drive (`$ARB_CHROMIUM` or Debian's)."""
    path = os.environ.get("ARB_CHROMIUM") or CHROMIUM
    if not Path(path).is_file():
        skip_or_fail(f"Chromium not found at {path} (apt-get install chromium)")
    return path
