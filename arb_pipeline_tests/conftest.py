"""Shared test fixtures: real marketplace pages from ../shared/fixtures and a temp ARB_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """The folder of real saved pages; skipped when absent, a failure under CI=true."""
    if not SHARED_FIXTURES.is_dir():
        message = f"real marketplace fixtures not found at {SHARED_FIXTURES}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (CI=true: fixture tests must not be skipped)")
        pytest.skip(message)
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
