"""Time to alert: from a new raw partition landing in the lake to its deal email in the outbox.

Runs the webserver-less Dagster setup (`dagster-daemon run -w workspace.yaml`: sensors,
declarative automation, run queue) on a fresh temporary ARB_HOME and DAGSTER_HOME:

1. Baseline, not timed: the demo's flow in-process for an earlier day (every sandbox source
   ingested, warehouse built, model trained, opportunities priced, that day's deals alerted).
   `--baseline-sources` ingests only some sources (the test's quick run: the two whose sold
   comps train the model), so the warehouse the rounds rebuild is smaller than the demo's.
2. The daemon starts; the bench waits until its sensors have ticked and no run is in flight.
3. Each round lands a fresh (date, source) partition the way a scrape does: it queues an
   `ingest_sandbox` run for that partition (what `scrape_every_15_minutes` requests), which
   the daemon launches, fetches from the sandbox marketplace and parses into the lake. t0 is
   the `raw_listings` materialization of that partition (the moment the listings landed).
   Nothing else is triggered by the bench: the automation sensor rebuilds the warehouse and
   re-prices, `deal_alert_sensor` launches the alert run, which writes the emails.
4. For each underpriced listing the sandbox planted in that partition, latency = mtime of its
   .eml (found through the alert store) minus t0. Between rounds the bench waits for the
   daemon to settle again; after the last one only for the round's alert run to end.

Rounds alternate eBay (Browse API) and Craigslist partitions, three planted deals each, and run
one at a time on an idle system, after a random pause that spreads t0 over the sensors' tick
phase. Run: `.venv/bin/python bench/alert_latency.py --alerts 6`. Per-alert lines, a per-round
run timeline, then last line `alerts=N p50_s=X p95_s=Y`. Exit status 1 if a planted deal
was not alerted within --timeout.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dagster as dg  # noqa: E402

from arb_pipeline.alerts.store import StateStore  # noqa: E402
from arb_pipeline.paths import PROJECT_ROOT, ArbHome  # noqa: E402
from arb_pipeline.sandbox.catalogue import generate_market  # noqa: E402

BIN = Path(sys.executable).parent
SEED = 7  # SandboxResource's default seed: what the daemon's runs crawl
SEARCH = "sandbox-deals"  # arb_pipeline/sandbox/searches.yaml
ROUND_SOURCES = (("sandbox_ebay_api", "ebay"), ("sandbox_craigslist", "craigslist"))
WATCHED_SENSORS = ("automation", "deal_alert_sensor")
ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
# The instance of a 2-core machine: two runs at a time, the queue checked every second.
DAGSTER_YAML = """\
run_queue:
  max_concurrent_runs: 2
  dequeue_interval_seconds: 1
sensors:
  use_threads: true
  num_workers: 2
auto_materialize:
  use_threads: true
  num_workers: 2
telemetry:
  enabled: false
"""


@dataclass
class Round:
    """One fresh (date, source) partition and the deals the sandbox planted in it."""

    number: int
    day: date
    source: str
    planted: list[str]  # the sandbox's listing ids
    run_id: str = ""
    launched: float = 0.0
    t0: float | None = None
    latencies: dict[str, float] = field(default_factory=dict)
    emails: dict[str, Path] = field(default_factory=dict)

    @property
    def partition(self) -> str:
        return f"{self.day.isoformat()}|{self.source}"


def plan_rounds(alerts: int, today: date) -> tuple[date, list[Round]]:
    """The baseline day and enough rounds, on the days after it up to today, for `alerts`."""
    count = 1
    while True:
        baseline = today - timedelta(days=count)
        rounds = []
        for number in range(1, count + 1):
            day = baseline + timedelta(days=number)
            source, marketplace = ROUND_SOURCES[(number - 1) % len(ROUND_SOURCES)]
            planted = sorted(
                lid for mkt, lid in generate_market(SEED, day).planted_deals() if mkt == marketplace
            )
            rounds.append(Round(number, day, source, planted))
        if sum(len(r.planted) for r in rounds) >= alerts:
            return baseline, rounds
        count += 1


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100); nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class Processes:
    """Subprocesses started by the bench, each in its own process group, ended on exit."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen] = []

    def start(self, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        with open(log, "ab") as out:
            process = subprocess.Popen(
                args,
                cwd=PROJECT_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        """SIGTERM each group (the daemon, its code server and run workers), SIGKILL stragglers."""
        for process in self.started:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.started:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            if not _group_gone(process.pid, deadline):
                _signal_group(process, signal.SIGKILL)  # stragglers: code server, run workers
                process.wait()
                _group_gone(process.pid, time.monotonic() + 10)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def _group_gone(pgid: int, deadline: float) -> bool:
    """Wait until no process of the group is left (or the deadline passes)."""
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def _raise_exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def prepare_baseline(home: ArbHome, day: date, sources: list[str] | None = None) -> None:
    """The demo's flow in-process for `day`: lake, warehouse, model, opportunities, alerts;
    only `sources` ingested when given."""
    from arb_pipeline.demo import run_demo

    # into the daemon's instance: its automation then sees the warehouse built
    result = run_demo(home, day, dagster_home=os.environ["DAGSTER_HOME"], sources=sources)
    for failure in result.ingest_failures:
        print(f"baseline: {failure}", flush=True)
    print(f"baseline {day}: {result.alerts_sent} deal(s) alerted (not timed)", flush=True)


def _instigator_ticks(instance: dg.DagsterInstance) -> dict[str, object]:
    """The latest tick of each watched sensor."""
    latest = {}
    for state in instance.all_instigator_state():
        if state.instigator_name in WATCHED_SENSORS:
            ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=1)
            if ticks:
                latest[state.instigator_name] = ticks[0]
    return latest


def _last_run_end(instance: dg.DagsterInstance) -> float:
    records = instance.get_run_records(limit=1, order_by="end_time", ascending=False)
    return (records[0].end_time or 0.0) if records else 0.0


def wait_until_idle(instance: dg.DagsterInstance, timeout: float) -> None:
    """No run in flight, and both watched sensors completed a tick after the last run ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not instance.get_runs(filters=dg.RunsFilter(statuses=ACTIVE), limit=1):
            settled = _last_run_end(instance)
            ticks = _instigator_ticks(instance)
            if len(ticks) == len(WATCHED_SENSORS) and all(
                tick.timestamp > settled and tick.end_timestamp for tick in ticks.values()
            ):
                return
        time.sleep(1)
    raise TimeoutError(f"the daemon did not settle within {timeout:.0f} s")


def wait_for_alert_runs(instance: dg.DagsterInstance, rnd: Round, timeout: float) -> None:
    """Until the alert runs created since the round's launch have ended."""
    deadline = time.monotonic() + timeout
    filters = dg.RunsFilter(
        job_name="search_alerts_job",
        statuses=ACTIVE,
        created_after=datetime.fromtimestamp(rnd.launched, UTC),
    )
    while instance.get_runs(filters=filters, limit=1):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the alert run of {rnd.partition} did not end in {timeout:.0f} s")
        time.sleep(0.5)


def launch_ingest(processes: Processes, env: dict[str, str], log: Path, rnd: Round) -> None:
    """Queue an ingest_sandbox run for the round's partition, as the scrape schedule does."""
    rnd.run_id = str(uuid.uuid4())
    rnd.launched = time.time()
    tags = {
        "dagster/partition": rnd.partition,
        "dagster/partition/date": rnd.day.isoformat(),
        "dagster/partition/source": rnd.source,
        "bench/round": str(rnd.number),
    }
    args = [str(BIN / "dagster"), "job", "launch", "-w", "workspace.yaml", "-j", "ingest_sandbox"]
    launcher = processes.start(
        [*args, "--run-id", rnd.run_id, "--tags", json.dumps(tags)], env, log
    )
    if launcher.wait(timeout=300) != 0:
        raise RuntimeError(f"`dagster job launch` failed for {rnd.partition}; see {log}")


def landed_at(instance: dg.DagsterInstance, rnd: Round) -> float | None:
    """When the round's run materialized raw_listings for its partition (event log time)."""
    run = instance.get_run_by_id(rnd.run_id)
    if run is not None and run.status in (
        dg.DagsterRunStatus.FAILURE,
        dg.DagsterRunStatus.CANCELED,
    ):
        raise RuntimeError(f"ingest run {rnd.run_id} for {rnd.partition} ended {run.status.value}")
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(
            asset_key=dg.AssetKey("raw_listings"), asset_partitions=[rnd.partition]
        ),
        limit=5,
    ).records
    return next((r.timestamp for r in records if r.run_id == rnd.run_id), None)


def _sandbox_id(listing_id: str) -> str:
    """Browse API item ids look like `v1|<legacy id>|0`; the sandbox knows the legacy id."""
    return listing_id.split("|")[1] if "|" in listing_id else listing_id


def collect_emails(store: StateStore, rnd: Round) -> None:
    """Record the latency of every planted deal of the round whose email is in the outbox."""
    for (source, listing_id), destination in store.destinations(SEARCH).items():
        lid = _sandbox_id(listing_id)
        if source != rnd.source or lid not in rnd.planted or lid in rnd.latencies:
            continue
        email = next((Path(p) for p in (destination or "").split("; ") if p.endswith(".eml")), None)
        if email is not None and email.exists():
            rnd.emails[lid] = email
            rnd.latencies[lid] = email.stat().st_mtime - (rnd.t0 or 0.0)


def print_timeline(instance: dg.DagsterInstance, rnd: Round) -> None:
    """The round's runs, from its ingest run on: created/started/ended seconds after t0."""
    assert rnd.t0 is not None
    records = instance.get_run_records(
        filters=dg.RunsFilter(created_after=datetime.fromtimestamp(rnd.launched, UTC)),
        order_by="create_timestamp",
        ascending=True,
    )
    for record in records:
        run = record.dagster_run
        assets = sorted(key.to_user_string() for key in run.asset_selection or [])
        what = run.job_name if len(assets) == 0 else ",".join(assets[:4])
        if len(assets) > 4:
            what += f",+{len(assets) - 4}"

        def offset(moment: float | None) -> str:
            return "-" if moment is None else f"{moment - rnd.t0:6.1f}"

        print(
            f"  run {run.run_id[:8]} created {offset(record.create_timestamp.timestamp())} "
            f"started {offset(record.start_time)} ended {offset(record.end_time)} "
            f"{run.status.value:<8} {what}",
            flush=True,
        )


def run_round(
    instance: dg.DagsterInstance,
    store: StateStore,
    processes: Processes,
    env: dict[str, str],
    log: Path,
    rnd: Round,
    timeout: float,
) -> None:
    """Land the round's partition and wait for its planted deals' emails (or the timeout)."""
    launch_ingest(processes, env, log, rnd)
    deadline = time.monotonic() + timeout
    while rnd.t0 is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{rnd.partition} did not land within {timeout:.0f} s")
        rnd.t0 = landed_at(instance, rnd)
        time.sleep(0.5)
    deadline = time.monotonic() + timeout
    while len(rnd.latencies) < len(rnd.planted) and time.monotonic() < deadline:
        collect_emails(store, rnd)
        time.sleep(0.5)
    print(f"round {rnd.number}: {rnd.partition} landed, {len(rnd.planted)} planted deal(s)")
    for lid in rnd.planted:
        if lid in rnd.latencies:
            print(
                f"alert round={rnd.number} day={rnd.day} source={rnd.source} listing={lid} "
                f"latency_s={rnd.latencies[lid]:.1f} email={rnd.emails[lid]}",
                flush=True,
            )
        else:
            print(f"MISSED round={rnd.number} source={rnd.source} listing={lid}", flush=True)


def write_instance(folder: Path) -> None:
    """A fresh Dagster instance folder with the bench's dagster.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dagster.yaml").write_text(DAGSTER_YAML)


def bench(args: argparse.Namespace, workdir: Path, processes: Processes) -> int:
    """Baseline, daemon, rounds; prints the figures and returns the exit status."""
    home = ArbHome(workdir / "arb_home").ensure()
    write_instance(workdir / "dagster_home")
    for name in ("SENDGRID_API_KEY", "OPENAI_API_KEY", "ARB_STATE_URL", "DAGSTER_IS_DEV_CLI"):
        os.environ.pop(name, None)  # .eml outbox, rule vetting, state in ARB_HOME
    os.environ["ARB_HOME"] = str(home.root)
    os.environ["DAGSTER_HOME"] = str(workdir / "dagster_home")
    # the daemon, code server and run workers import this checkout, like the bench does
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])
    )
    env = dict(os.environ)
    baseline, rounds = plan_rounds(args.alerts, datetime.now(UTC).date())

    started = time.monotonic()
    prepare_baseline(home, baseline, args.baseline_sources)
    print(f"baseline prepared in {time.monotonic() - started:.0f} s", flush=True)

    instance = dg.DagsterInstance.get()
    store = StateStore.for_home(home)
    log = workdir / "daemon.log"
    daemon = processes.start([str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], env, log)
    print(f"daemon pid={daemon.pid} log={log}", flush=True)
    wait_until_idle(instance, args.timeout)
    print(f"daemon up and idle after {time.monotonic() - started:.0f} s", flush=True)

    jitter = random.Random()
    for rnd in rounds:
        time.sleep(jitter.uniform(0, args.max_pause))
        run_round(instance, store, processes, env, workdir / "launch.log", rnd, args.timeout)
        if rnd is rounds[-1]:  # nothing follows: the rest of the automation is not measured
            wait_for_alert_runs(instance, rnd, args.timeout)
        else:
            wait_until_idle(instance, args.timeout)
        print_timeline(instance, rnd)

    latencies = [value for rnd in rounds for value in rnd.latencies.values()]
    missed = sum(len(rnd.planted) - len(rnd.latencies) for rnd in rounds)
    if missed:
        print(f"{missed} planted deal(s) not alerted within {args.timeout:.0f} s")
    print(
        f"alerts={len(latencies)} p50_s={percentile(latencies, 50):.1f} "
        f"p95_s={percentile(latencies, 95):.1f}",
        flush=True,
    )
    return 1 if missed or not latencies else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--alerts", type=int, default=6, help="measure at least N alerts (3 per round)"
    )
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds to wait for a landing or its emails"
    )
    parser.add_argument(
        "--max-pause",
        type=float,
        default=30,
        help="up to this many random seconds of idle time before each round",
    )
    parser.add_argument(
        "--baseline-sources",
        type=lambda text: text.split(","),
        help="comma-separated sandbox sources the baseline ingests (default: all, as the demo)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep ARB_HOME, DAGSTER_HOME and logs here (default: a temporary folder, removed)",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_exit)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="alert_latency-"))
    processes = Processes()
    try:
        return bench(args, workdir.resolve(), processes)
    finally:
        processes.stop_all()
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
