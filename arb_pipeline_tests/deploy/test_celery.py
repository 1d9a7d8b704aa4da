"""Scaling out: the same job runs on the dagster-celery executor, Redis as broker, two workers."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import redis

from arb_pipeline_tests.deploy.celery_jobs import SOURCES, parallel_ingest
from arb_pipeline_tests.requirements import skip_or_fail

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"
WORKER_CONFIG = """\
broker_url = {url!r}
result_backend = {url!r}
task_acks_late = True  # a busy -c 1 worker holds its one message, so the next goes elsewhere
worker_prefetch_multiplier = 1
"""
# dagster-celery re-registers its task in the submitting process; harmless, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:Task name 'execute_plan' is already registered")


def _redis(db: int = 0) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=6379, db=db, socket_connect_timeout=3)


@pytest.fixture
def redis_url() -> Iterator[str]:
    """An empty Redis database on the local server for one test, flushed afterwards."""
    try:
        _redis().ping()
    except redis.ConnectionError as error:
        skip_or_fail(f"Redis is not reachable on 127.0.0.1:6379: {error}")
    empty = [db for db in range(1, 16) if _redis(db).dbsize() == 0]
    if not empty:
        skip_or_fail("no empty Redis database (1-15) to run the celery test in")
    db = random.choice(empty)
    try:
        yield f"redis://127.0.0.1:6379/{db}"
    finally:
        _redis(db).flushdb()


@pytest.fixture
def workers(
    redis_url: str, arb_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[str]]:
    """A persistent Dagster instance in a temp DAGSTER_HOME and two `-c 1` celery workers."""
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    config_dir = tmp_path / "celery_config"  # `dagster_celery.app` imports dagster_celery_config
    config_dir.mkdir()
    (config_dir / "dagster_celery_config.py").write_text(WORKER_CONFIG.format(url=redis_url))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(config_dir), str(PROJECT_ROOT)])}
    token = uuid.uuid4().hex[:6]
    names = [f"arb-{token}-{i}@localhost" for i in (1, 2)]
    procs: list[subprocess.Popen[bytes]] = []
    logs = [tmp_path / f"worker{i}.log" for i in (1, 2)]
    try:
        for name, log in zip(names, logs, strict=True):
            command = [
                str(CELERY), "-A", "dagster_celery.app", "worker", "-n", name, "-c", "1",
                "-Q", "dagster", "--prefetch-multiplier=1", "--loglevel=INFO",
                "--without-gossip", "--without-mingle",
            ]  # fmt: skip
            with log.open("wb") as out:
                procs.append(
                    subprocess.Popen(
                        command,
                        cwd=PROJECT_ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + 60
        while not all(" ready." in log.read_text(errors="replace") for log in logs):
            dead = [p.args for p in procs if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                pytest.fail("celery workers did not start:\n" + logs[0].read_text()[-2000:])
            time.sleep(0.5)
        yield names
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_job_runs_on_two_celery_workers(workers: list[str], redis_url: str) -> None:
    run_config = {"execution": {"config": {"broker": redis_url, "backend": redis_url}}}
    with dg.DagsterInstance.get() as instance:
        assert not instance.is_ephemeral
        with dg.execute_job(
            dg.reconstructable(parallel_ingest), instance=instance, run_config=run_config
        ) as result:
            assert result.success
            assert result.output_for_node("total_rows") > 0
            records = instance.all_logs(result.run_id)

    ingest_steps = {f"ingest_{source}" for source in SOURCES}
    worker_of: dict[str, str] = {}
    for record in records:
        event = record.dagster_event
        if event and event.is_engine_event and event.step_key:
            worker = event.engine_event_data.metadata.get("Celery worker")
            if worker is not None:
                worker_of[event.step_key] = str(worker.value)
    assert set(worker_of) == ingest_steps | {"total_rows"}
    assert {worker_of[step] for step in ingest_steps} == set(workers)

    step_pids = {
        r.dagster_event.pid
        for r in records
        if r.dagster_event and r.dagster_event.event_type == dg.DagsterEventType.STEP_START
    }
    assert len(step_pids) >= 2 and os.getpid() not in step_pids
