"""Deal alerts when the warehouse changes; digests at each search's digest_time."""

import email
import email.policy
from datetime import UTC, datetime

import dagster as dg
import duckdb

from arb_pipeline.alerts.digests import send_digest
from arb_pipeline.alerts.sending import Delivery
from arb_pipeline.alerts.store import StateStore
from arb_pipeline.defs.alerts.sensors import (
    daily_digests,
    deal_alert_sensor,
    expire_proposals_job,
    operator_failure_email,
)
from arb_pipeline.defs.environment import from_environment
from arb_pipeline.defs.resources import AlertSettings, ArbHomeResource, SavedSearches
from arb_pipeline.searches import load_searches
from arb_pipeline_tests.alerts.test_delivery import StubSendGrid

SEARCHES = """
searches:
  - name: phones
    min_profit: 10
    recipients: [me@example.com]
    digest_time: "18:00"
  - name: quiet
    recipients: [me@example.com]
"""


def _schedule_requests(tmp_path, tick: datetime) -> list[dg.RunRequest]:
    (tmp_path / "searches.yaml").write_text(SEARCHES)
    context = dg.build_schedule_context(
        scheduled_execution_time=tick,
        resources={
            "arb_home": ArbHomeResource(path=str(tmp_path / "home")),
            "saved_searches": SavedSearches(file=str(tmp_path / "searches.yaml")),
        },
    )
    return daily_digests(context)


def test_digest_is_requested_once_in_the_tick_that_reaches_digest_time(tmp_path) -> None:
    assert _schedule_requests(tmp_path, datetime(2026, 11, 23, 17, 45, tzinfo=UTC)) == []
    (request,) = _schedule_requests(tmp_path, datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    assert request.run_key == "digest:phones:2026-11-23"
    assert _schedule_requests(tmp_path, datetime(2026, 11, 23, 18, 15, tzinfo=UTC)) == []


def test_digest_lists_the_deals_alerted_that_day(tmp_path) -> None:
    (tmp_path / "searches.yaml").write_text(SEARCHES)
    (search, _) = load_searches(tmp_path / "searches.yaml")
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as db:
        db.execute(
            "create table fct_opportunities as select * from (values "
            "('ebay', '1', 'Phone one', 100.0, 'USD', 50.0, 0.3, 'https://x/1'), "
            "('ebay', '2', 'Phone two', 90.0, 'USD', 80.0, 0.4, 'https://x/2')) "
            "t(source, listing_id, title, price, currency, profit, margin, url)"
        )
    store = StateStore(tmp_path)
    store.claim_alert("phones", "ebay", "2", 90.0)
    delivery = Delivery(outbox=tmp_path / "outbox", sender="arb@localhost")
    send_digest(search, datetime.now(UTC).date(), store, warehouse, delivery)
    (eml,) = (tmp_path / "outbox").glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["Subject"].startswith("Digest ") and "1 deal(s) for phones" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert "Phone two" in text and "Phone one" not in text


def _publish_opportunities(warehouse, listing_ids: list[str]) -> None:
    """Build a warehouse with these deals next to the published one and swap it in."""
    build = warehouse.with_name("build.duckdb")
    rows = ", ".join(
        f"('ebay', '{lid}', 'ebay:{lid}', 'Phone {lid}', 100.0, 'USD', 50.0, 0.3, 20.0)"
        for lid in listing_ids
    )
    with duckdb.connect(str(build)) as db:
        db.execute(
            f"create table fct_opportunities as select *, null as exclusion_reason from (values "
            f"{rows}) t(source, listing_id, listing_key, title, price, currency, profit, margin, "
            "profit_p10)"
        )
    build.replace(warehouse)


def _deal_tick(home, searches, instance, cursor: str | None) -> dg.SensorResult:
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={
            "arb_home": ArbHomeResource(path=str(home)),
            "saved_searches": SavedSearches(file=str(searches)),
        },
    )
    return deal_alert_sensor(context)


def test_deal_sensor_requests_runs_only_when_the_warehouse_or_searches_change(tmp_path) -> None:
    home, searches = tmp_path / "home", tmp_path / "searches.yaml"
    searches.write_text(SEARCHES)
    home.mkdir()
    _publish_opportunities(home / "warehouse.duckdb", ["1"])
    with dg.instance_for_test() as instance:
        first = _deal_tick(home, searches, instance, None)
        assert sorted(r.partition_key for r in first.run_requests) == ["phones", "quiet"]
        assert first.dynamic_partitions_requests[0].partition_keys == ["phones", "quiet"]
        instance.add_dynamic_partitions("searches", ["phones", "quiet"])

        unchanged = _deal_tick(home, searches, instance, first.cursor)
        assert not unchanged.run_requests and "unchanged" in unchanged.skip_reason.skip_message

        _publish_opportunities(home / "warehouse.duckdb", ["1", "2"])
        republished = _deal_tick(home, searches, instance, unchanged.cursor)
        new_keys = {r.run_key for r in republished.run_requests}
        assert len(new_keys) == 2 and not new_keys & {r.run_key for r in first.run_requests}

        searches.write_text(SEARCHES.replace("name: quiet", "name: calm"))
        edited = _deal_tick(home, searches, instance, republished.cursor)
        assert edited.dynamic_partitions_requests[0].partition_keys == ["calm"]


def test_expiry_job_expires_proposals_of_listings_gone_from_the_warehouse(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.delenv("ARB_STATE_URL", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    _publish_opportunities(home / "warehouse.duckdb", ["1"])
    store = StateStore(home)
    for lid in ("1", "2"):
        store.create_proposal({"search": "phones", "source": "ebay", "listing_id": lid})
    result = expire_proposals_job.execute_in_process(
        resources={
            "arb_home": ArbHomeResource(path=str(home)),
            "alert_settings": AlertSettings(),
        }
    )
    assert result.success
    status = {p["listing_id"]: (p["status"], p["reason"]) for p in store.list_proposals()}
    assert status == {"1": ("pending", None), "2": ("expired", "listing no longer active")}


@dg.asset
def scraped() -> None:
    """Materializes."""


@dg.asset
def broken() -> None:
    """Fails."""
    raise RuntimeError("the parser choked on page 3")


@dg.asset(deps=[broken])
def downstream() -> None:
    """Skipped after broken fails."""


@dg.asset(check_specs=[dg.AssetCheckSpec("parser_health", asset="relaid", blocking=True)])
def relaid() -> dg.MaterializeResult:
    """Lands its rows, but one page was in a layout the parser does not know."""
    return dg.MaterializeResult(
        check_results=[
            dg.AssetCheckResult(
                check_name="parser_health",
                passed=False,
                description="layout changed: craigslist: http://x/1: expected result rows",
            )
        ]
    )


def _failed_run_emails(instance, home, job_name: str, assets=(scraped, broken, downstream)):
    """Run a job that fails, evaluate the failure sensor on it, return the outbox subjects."""
    defs = dg.Definitions(
        assets=list(assets), jobs=[dg.define_asset_job(job_name, selection=list(assets))]
    )
    result = defs.resolve_job_def(job_name).execute_in_process(
        instance=instance, raise_on_error=False
    )
    run = instance.get_run_by_id(result.run_id)
    failure = result.get_run_failure_event()
    context = dg.build_run_status_sensor_context(
        sensor_name="operator_failure_email",
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=run,
        resources={
            "arb_home": ArbHomeResource(path=str(home)),
            # SendGrid's key and host and the operator's address from the environment
            "alert_settings": from_environment("alert_settings", AlertSettings),
        },
    ).for_run_failure()
    operator_failure_email(context)
    return sorted(
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["Subject"]
        for p in (home / "outbox").glob("*.eml")
    )


def test_a_failed_run_emails_the_operator_once_per_failing_asset_per_hour(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.delenv("SENDGRID_API_KEY", raising=False)
    home = tmp_path / "home"
    with dg.instance_for_test() as instance:
        assert _failed_run_emails(instance, home, "nightly") == ["Run failed: broken, downstream"]
        (eml,) = (home / "outbox").glob("*.eml")
        assert "the parser choked on page 3" in eml.read_text()
        assert _failed_run_emails(instance, home, "nightly_again") == [
            "Run failed: broken, downstream"
        ]  # the same assets failing again within the hour: no second email


def test_a_layout_change_reaches_the_operator_email_with_its_source(tmp_path, monkeypatch):
    monkeypatch.delenv("SENDGRID_API_KEY", raising=False)
    home = tmp_path / "home"
    with dg.instance_for_test() as instance:
        _failed_run_emails(instance, home, "parse", assets=[relaid])
        (eml,) = (home / "outbox").glob("*.eml")
        assert "layout changed: craigslist: http://x/1" in eml.read_text()


def test_with_a_sendgrid_key_the_operator_email_goes_to_the_configured_host(
    tmp_path, monkeypatch, stub_server
) -> None:
    stub = StubSendGrid(stub_server, 202)
    monkeypatch.setenv("SENDGRID_API_KEY", "SG.test")
    monkeypatch.setenv("ARB_SENDGRID_HOST", stub.host)
    monkeypatch.setenv("ARB_OPERATOR_EMAIL", "ops@example.com")
    with dg.instance_for_test() as instance:
        assert _failed_run_emails(instance, tmp_path / "home", "nightly") == []
    (request,) = stub.requests
    assert request["json"]["subject"] == "Run failed: broken, downstream"
    assert request["json"]["personalizations"][0]["to"] == [{"email": "ops@example.com"}]


@dg.op
def undeliverable() -> None:
    """Stands in for an alert run whose deliveries all failed."""
    raise RuntimeError("SendGrid is down")


@dg.job
def failing_alert_run() -> None:
    undeliverable()


def test_deals_of_a_failed_alert_run_get_a_new_run_on_the_next_republish(tmp_path) -> None:
    home, searches = tmp_path / "home", tmp_path / "searches.yaml"
    searches.write_text(SEARCHES)
    home.mkdir()
    _publish_opportunities(home / "warehouse.duckdb", ["1"])
    with dg.instance_for_test() as instance:
        first = _deal_tick(home, searches, instance, None)
        phones = next(r for r in first.run_requests if r.partition_key == "phones")
        republished = _deal_tick(home, searches, instance, "another stamp")
        assert phones.run_key in {r.run_key for r in republished.run_requests}  # deduplicated

        failing_alert_run.execute_in_process(
            instance=instance, tags=phones.tags, raise_on_error=False
        )
        _publish_opportunities(home / "warehouse.duckdb", ["1"])
        retried = _deal_tick(home, searches, instance, first.cursor)
        retry = next(r for r in retried.run_requests if r.partition_key == "phones")
        assert retry.run_key == f"{phones.run_key}:retry1"
