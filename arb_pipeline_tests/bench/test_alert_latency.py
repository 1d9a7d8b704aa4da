"""The time-to-alert benchmark end to end: a daemon, one landed partition, its deal emails."""

import email
import email.policy
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from arb_pipeline.paths import PROJECT_ROOT
from arb_pipeline.sandbox.catalogue import generate_market

BENCH = PROJECT_ROOT / "bench" / "alert_latency.py"
LAST_LINE = re.compile(r"alerts=(\d+) p50_s=(\d+\.\d) p95_s=(\d+\.\d)")
ALERT = re.compile(r"alert round=1 day=(\S+) source=sandbox_ebay_api listing=(\d+) .* email=(\S+)")


@pytest.fixture(scope="module")
def one_round(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    workdir = tmp_path_factory.mktemp("alert_latency")
    # a baseline of the sources whose sold comps train the model: the round needs no other
    baseline = "sandbox_ebay_finding,sandbox_mercari"
    args = ["--alerts", "1", "--max-pause", "0", "--timeout", "600", "--workdir", str(workdir)]
    args += ["--baseline-sources", baseline]
    env = {k: v for k, v in os.environ.items() if k not in ("ARB_HOME", "DAGSTER_HOME")}
    result = subprocess.run(
        [sys.executable, str(BENCH), *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return workdir, result.stdout.strip().splitlines()


def test_last_line_reports_the_alerts_and_percentiles(one_round) -> None:
    _, lines = one_round
    match = LAST_LINE.fullmatch(lines[-1])
    assert match, lines[-1]
    assert int(match[1]) == len([line for line in lines if line.startswith("alert ")]) >= 1
    assert float(match[2]) <= float(match[3])


def test_each_planted_deal_of_the_landed_partition_has_its_email_in_the_outbox(one_round) -> None:
    workdir, lines = one_round
    alerts = [ALERT.match(line) for line in lines if line.startswith("alert ")]
    (day,) = {match[1] for match in alerts}
    planted = {lid for mkt, lid in generate_market(7, date.fromisoformat(day)).planted_deals()}
    for match in alerts:
        path = Path(match[3])
        assert path.parent == workdir / "arb_home" / "outbox"
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert message["Subject"].startswith("Deal: ")
        assert match[2] in planted
        assert match[2] in message.get_body(("plain",)).get_content()  # the listing's URL


def test_the_daemon_and_its_children_are_gone_afterwards(one_round) -> None:
    _, lines = one_round
    (pid,) = [int(m[1]) for line in lines if (m := re.match(r"daemon pid=(\d+)", line))]
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # the bench started the daemon in its own process group
