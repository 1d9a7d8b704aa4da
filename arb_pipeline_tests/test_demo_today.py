"""`arb-pipeline demo` as a user runs it, on today's sandbox market (test_demo.py pins a day
and checks the re-run after a crash mid-send in process).

A file of its own, so that pytest-xdist runs it beside test_demo.py's two demo runs.
"""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

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
    """Today's market, no warning before the output, every email it sent counted and named."""
    home = tmp_path / "arb_home"
    run = _demo(home)
    assert run.returncode == 0, run.stderr[-4000:]
    # nothing a user cannot act on: no Dagster warnings, no telemetry banner
    for line in run.stderr.splitlines():
        assert line.startswith("skipped: ") and "no Chromium" in line, run.stderr[-4000:]
    planted = len(generate_market(7, datetime.now(UTC).date()).planted_deals())
    assert f"; {planted} new email(s) this run)" in run.stdout
    emails = _emails(run.stdout)
    assert len(emails) == planted
    assert "None" not in emails
    assert all(Path(path).is_file() for path in emails), emails
    assert {Path(path) for path in emails} == set((home / "outbox").iterdir())
