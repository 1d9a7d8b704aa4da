"""Digests: scheduled at each search's digest_time, listing that day's alerted deals."""

import email
import email.policy
from datetime import UTC, datetime

import dagster as dg
import duckdb

from arb_pipeline.alerts.deals import Delivery, send_digest
from arb_pipeline.alerts.searches import load_searches
from arb_pipeline.alerts.store import StateStore
from arb_pipeline.defs.alerts.sensors import daily_digests
from arb_pipeline.defs.resources import AlertSettings, ArbHomeResource

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
            "alert_settings": AlertSettings(searches_file=str(tmp_path / "searches.yaml")),
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
