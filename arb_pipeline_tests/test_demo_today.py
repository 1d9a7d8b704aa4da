"""`arb-pipeline demo` as a user runs it, on today's sandbox market (test_demo.py pins a day).

A file of its own, so that pytest-xdist runs it beside test_demo.py's two demo runs.
"""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from arb_pipeline.alerts import store as store_module
from arb_pipeline.alerts.store import CLAIM_LEASE, StateStore
from arb_pipeline.sandbox.catalogue import generate_market


def _demo(home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "SENDGRID_API_KEY")}
    env["ARB_HOME"] = str(home)
    return subprocess.run(
        [str(Path(sys.executable).with_name("arb-pipeline")), "demo"],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def _emails(stdout: str) -> list[str]:
    """The paths listed under "Emails:"."""
    return stdout.split("\nEmails:\n", 1)[1].split("\n\n", 1)[0].split()


def test_demo_command_on_today_is_quiet_and_counts_its_emails(tmp_path: Path) -> None:
    """Today's market, no warning before the output, every email it sent counted and named;
    after a crash mid-send, the next run sends that email and counts it."""
    home = tmp_path / "arb_home"
    first = _demo(home)
    assert first.returncode == 0, first.stderr[-4000:]
    # nothing a user cannot act on: no Dagster warnings, no telemetry banner
    for line in first.stderr.splitlines():
        assert line.startswith("skipped: ") and "no Chromium" in line, first.stderr[-4000:]
    planted = len(generate_market(7, datetime.now(UTC).date()).planted_deals())
    assert f"; {planted} new email(s) this run)" in first.stdout
    emails = _emails(first.stdout)
    assert len(emails) == planted
    assert all(Path(path).is_file() for path in emails), emails

    # as a run that died mid-send leaves it: one alert claimed, its email never written, and
    # the claim's lease run out
    lost = Path(emails[0])
    lost.unlink()
    store = StateStore(home)
    alerts = store_module.alerts
    with store.engine.begin() as conn:
        conn.execute(
            alerts.update()
            .where(alerts.c.destination == str(lost))
            .values(destination=None, alerted_at=datetime.now(UTC) - CLAIM_LEASE * 2)
        )
    second = _demo(home)
    assert second.returncode == 0, second.stderr[-4000:]
    assert "; 1 new email(s) this run)" in second.stdout
    assert "None" not in _emails(second.stdout)
    assert len(_emails(second.stdout)) == planted
    assert all(Path(path).is_file() for path in _emails(second.stdout))
