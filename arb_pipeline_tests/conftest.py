"""Shared test fixtures: real marketplace pages from ../shared/fixtures, a temp ARB_HOME, a
local stub HTTP server; under CI=true a session with a skipped test fails."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from arb_pipeline.sources.crawl import CHROMIUM
from arb_pipeline_tests.requirements import in_ci, skip_or_fail

SHARED_FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"
# One thread each for OpenMP (scikit-learn's trees), OpenBLAS and polars, unless set: each
# pytest-xdist worker, and each process it starts (dbt, Dagster runs), would size these pools
# to the whole machine, and with 3 workers on 2 cores their threads spin against each other
# (suite 5:30 -> 5:14, 527 -> 505 CPU-s on an idle machine; more on a busy one). Set here, in
# the controller, before the workers start and inherit the environment.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "POLARS_MAX_THREADS"):
    os.environ.setdefault(_name, "1")


def _temporary_files_in_memory(folder: Path = Path("/dev/shm"), room: int = 2 * 2**30) -> None:
    """Keep the session's temporary files (tmp_path, and the Dagster instances, DuckDB files
    and dbt targets under them) in `folder`, a RAM file system, when TMPDIR is unset and it has
    `room` free: Dagster's SQLite event log commits, and syncs to disk, every event of a run
    (some 1,200 per demo run), and on disk that made the suite 5:22 instead of 4:43-5:00."""
    if "TMPDIR" in os.environ or not os.access(folder, os.W_OK):
        return
    if shutil.disk_usage(folder).free >= room:
        os.environ["TMPDIR"] = str(folder)  # the workers and every process they start
        tempfile.tempdir = None  # this process reads TMPDIR again


_temporary_files_in_memory()
_skipped: list[str] = []
# The slowest files, slowest first (measured with --durations): with -n, pytest-xdist hands out
# whole files in collection order, so these start first and the short files fill in beside them
# instead of one long file running alone at the end.
SLOW_FIRST = (
    "test_demo.py",
    "bench/test_alert_latency.py",
    "test_demo_today.py",
    "defs/test_backfills.py",
    "test_dbt_project.py",
    "test_dbt_rebuild.py",
    "defs/warehouse/test_assets.py",
    "defs/pricing/test_assets.py",
    "test_ingest_facebook.py",
    "pricing/test_versions.py",
    "test_ingest.py",
    "pricing/test_model.py",
    "products/test_warehouse_identity.py",
    "test_definitions.py",
)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto`: one worker more than there are cores. The slow files spend much of their time
    waiting on processes they started (dbt, Dagster run workers, the daemon's sensor ticks), so a
    third worker on 2 cores keeps both busy (suite 7:33 -> 6:35). PYTEST_XDIST_AUTO_NUM_WORKERS
    still decides when set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    return len(os.sched_getaffinity(0)) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the SLOW_FIRST files first, in that order; every other file keeps its place."""
    here = Path(__file__).parent

    def rank(item: pytest.Item) -> int:
        name = item.path.relative_to(here).as_posix() if item.path.is_relative_to(here) else ""
        return SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note every skipped test (in the controller, with xdist: it gets every report)."""
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI=true a skip is a failure: CI must run every test, whatever skipped it."""
    if in_ci() and _skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say why a CI session failed with no failed test."""
    if in_ci() and _skipped:
        terminalreporter.write_line(
            f"CI=true: {len(_skipped)} test(s) skipped, which fails the run: "
            + ", ".join(_skipped[:10]),
            red=True,
        )


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


@pytest.fixture(scope="session")
def make_httpserver() -> Iterator[HTTPServer]:
    """pytest-httpserver's session server, on 127.0.0.1 at a free port, one thread per request
    (a client may hold one connection open while it makes another)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def stub_server(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    """A local HTTP server standing in for a third-party API (pytest-httpserver), the one stub
    server of the tests: script it with `expect_request(...).respond_with_*`, read the
    requests it got in `.log`; it fails the test if a request matched no handler."""
    yield httpserver
    httpserver.check_assertions()
