"""A search's alerts: vetted, sent once, again only after a price drop; webhooks signed."""

import email
import email.policy
import json
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from arb_pipeline.alerts import store as store_module
from arb_pipeline.alerts.delivery import DeliveryError
from arb_pipeline.alerts.expiry import expire_proposals
from arb_pipeline.alerts.offers import search_max_offer
from arb_pipeline.alerts.selection import due_alerts
from arb_pipeline.alerts.sending import Delivery, send_alert
from arb_pipeline.alerts.store import CLAIM_LEASE, StateStore
from arb_pipeline.alerts.vetting import OpenAIVetter
from arb_pipeline.alerts.webhook import verify_signature
from arb_pipeline.searches import Search
from arb_pipeline_tests.alerts.test_delivery import StubSendGrid
from arb_pipeline_tests.alerts.test_vetting import StubOpenAI

SECRET = "test-secret"


def _deal(listing_id: str = "1", title: str = "Apple iPhone 13 128GB", price: float = 150.0):
    return {
        "listing_key": f"ebay:{listing_id}", "source": "ebay", "listing_id": listing_id,
        "title": title, "url": f"https://example.invalid/{listing_id}", "image_url": None,
        "price": price, "currency": "USD", "shipping_price": 0.0, "condition": "good",
        "category_raw": "Cell Phones & Smartphones", "product_id": "sig:apple iphone 13 128gb",
        "landed_cost": price, "pred_p10": 280.0, "pred_p50": 330.0, "pred_p90": 380.0,
        "exit_marketplace": "ebay", "exit_fees": 44.1, "profit": 330.0 - 44.1 - 8 - price,
        "profit_p10": 280.0 - 37.5 - 8 - price, "margin": (330.0 - 44.1 - 8 - price) / 330.0,
        "roi": (330.0 - 44.1 - 8 - price) / price, "max_offer": 234.5, "comps_count": 30,
        "confidence": "high", "exclusion_reason": None,
    }  # fmt: skip


@pytest.fixture
def receiver(stub_server: HTTPServer):
    """A webhook receiver on the shared stub server that checks signatures."""
    received: list[tuple[bool, dict]] = []

    def answer(request: Request) -> Response:
        body = request.get_data()
        ok = verify_signature(body, request.headers["X-Arb-Signature"], SECRET)
        received.append((ok, json.loads(body)))
        return Response(status=204)

    stub_server.expect_request("/hook", method="POST").respond_with_handler(answer)
    return stub_server.url_for("/hook"), received


def _setup(tmp_path: Path, url: str):
    search = Search(
        name="phones", min_margin=0.2, min_profit=40, recipients=["me@example.com"],
        channels=["email", "webhook"], webhook_url=url, realert_drop_pct=10,
    )  # fmt: skip
    delivery = Delivery(outbox=tmp_path / "outbox", sender="a@b.c", webhook_secret=SECRET)
    return search, StateStore(tmp_path), delivery


def test_a_deal_is_sent_once_then_again_only_after_a_price_drop(tmp_path, receiver) -> None:
    url, received = receiver
    search, store, delivery = _setup(tmp_path, url)
    (due,) = due_alerts(search, [_deal()], store)
    assert "webhook ok" in send_alert(due, search, store, delivery)
    assert due_alerts(search, [_deal()], store) == []
    assert due_alerts(search, [_deal(price=140.0)], store) == []  # 6.7% is not enough

    (dropped,) = due_alerts(search, [_deal(price=130.0)], store)
    assert dropped["previous_price"] == 150.0
    send_alert(dropped, search, store, delivery)
    subjects = sorted(
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["Subject"]
        for p in delivery.outbox.glob("*.eml")
    )
    assert [s.split(":")[0] for s in subjects] == ["Deal", "Price drop"]
    assert [ok for ok, _ in received] == [True, True]
    assert received[1][1]["previous_price"] == 150.0
    assert len(store.list_proposals()) == 1


def test_a_listing_that_is_not_the_item_is_vetted_out_and_not_claimed(tmp_path, receiver) -> None:
    url, received = receiver
    search, store, delivery = _setup(tmp_path, url)
    case = _deal("2", title="Case for Apple iPhone 13 128GB")
    outcome = send_alert(case, search, store, delivery)
    assert outcome.startswith("vetted out by rules")
    assert store.alerted("phones") == set() and received == []


def test_thresholds_of_the_search_decide(tmp_path, receiver) -> None:
    url, _ = receiver
    search, store, _ = _setup(tmp_path, url)
    assert due_alerts(search, [_deal(price=270.0)], store) == []  # margin too thin


def test_a_failed_delivery_is_retried_and_then_sent_exactly_once(tmp_path, stub_server) -> None:
    stub = StubSendGrid(stub_server, 503, b'{"errors":[{"message":"try later"}]}')
    search = Search(name="phones", min_profit=40, recipients=["me@example.com"])
    delivery = Delivery(
        outbox=tmp_path / "outbox",
        sender="a@b.c",
        sendgrid_api_key="SG.k",
        sendgrid_host=stub.host,
    )
    (deal,) = due_alerts(search, [_deal()], StateStore(tmp_path))
    with pytest.raises(DeliveryError, match="HTTP 503"):
        send_alert(deal, search, StateStore(tmp_path), delivery)
    store = StateStore(tmp_path)  # as after a restart
    assert store.alerted("phones") == set() and store.list_proposals() == []

    stub.status = 202
    (retry,) = due_alerts(search, [_deal()], store)
    assert send_alert(retry, search, store, delivery) == "sendgrid (202)"
    assert send_alert(retry, search, StateStore(tmp_path), delivery) is None  # a re-run
    assert due_alerts(search, [_deal()], StateStore(tmp_path)) == []
    assert len(stub.requests) == 2  # the refused attempt and the one delivery
    assert len(StateStore(tmp_path).list_proposals()) == 1


def test_suggested_max_offer_keeps_the_p10_profit_at_the_search_minimum(tmp_path) -> None:
    # a marketplace with buyer fees of 5 % + 0.70; p10 resale 200, its fees 20, shipping 8 out
    def p10_profit(price: float) -> float:
        return 200.0 - 20.0 - 8.0 - (price * 1.05 + 0.70 + 5.0)

    break_even = round((200.0 - 20.0 - 8.0 - 5.0 - 0.70) / 1.05, 2)  # fct_opportunities' max_offer
    deal = {
        **_deal(price=100.0), "shipping_price": 5.0, "landed_cost": 110.7,
        "profit_p10": round(p10_profit(100.0), 2), "max_offer": break_even,
    }  # fmt: skip
    search = Search(name="phones", min_profit=40, recipients=["me@example.com"])
    offer = search_max_offer(deal, search)
    assert offer == 120.28  # (200 - 20 - 8 - 5 - 0.70 - 40) / 1.05 = 120.2857, rounded down
    assert p10_profit(offer) >= 40.0 > p10_profit(offer + 0.01)
    assert search_max_offer(deal, search.model_copy(update={"min_profit": 0})) == break_even

    store = StateStore(tmp_path)
    delivery = Delivery(outbox=tmp_path / "outbox", sender="a@b.c")
    send_alert(deal, search, store, delivery)
    (eml,) = delivery.outbox.glob("*.eml")
    assert "Suggested max offer: USD 120.28" in eml.read_text()
    assert store.list_proposals()[0]["max_offer"] == 120.28


def test_webhooks_without_a_secret_send_nothing_and_say_why(tmp_path, receiver) -> None:
    url, received = receiver
    search, store, delivery = _setup(tmp_path, url)
    unsigned = Delivery(outbox=delivery.outbox, sender=delivery.sender)
    with pytest.raises(DeliveryError, match="ARB_WEBHOOK_SECRET is not set"):
        send_alert(_deal(), search, store, unsigned)
    assert received == [] and not delivery.outbox.exists() and store.alerted("phones") == set()


def test_the_alert_says_which_vetter_decided(tmp_path, receiver, stub_server) -> None:
    url, received = receiver
    search, _, delivery = _setup(tmp_path, url)

    def vetted_by(folder: str, openai=None) -> str:
        store = StateStore(tmp_path / folder)
        outbox = Delivery(tmp_path / folder / "outbox", delivery.sender, webhook_secret=SECRET)
        send_alert(_deal(), search, store, outbox, openai)
        (eml,) = outbox.outbox.glob("*.eml")
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        text = message.get_body(("plain",)).get_content()
        return next(line for line in text.splitlines() if line.startswith("Vetted by: "))

    assert vetted_by("rules") == "Vetted by: rules: looks genuine"
    stub = StubOpenAI(stub_server, '{"ok": true, "reasons": ["the phone itself, price plausible"]}')
    vetter = OpenAIVetter("sk-test", "gpt-test", stub.base_url, cache_path=tmp_path / "v.db")
    assert vetted_by("openai", vetter) == (
        "Vetted by: openai:gpt-test: the phone itself, price plausible"
    )
    stub.status = 500
    fallback = OpenAIVetter("sk-test", "gpt-test", stub.base_url, cache_path=tmp_path / "w.db")
    assert vetted_by("fallback", fallback) == (
        "Vetted by: rules: openai unavailable: HTTP 500; decided by rules"
    )
    assert [payload["vetted_by"] for _, payload in received] == [
        "rules",
        "openai:gpt-test",
        "rules",
    ]


def test_without_a_warehouse_proposals_expire_by_age_only(tmp_path) -> None:
    store = StateStore(tmp_path)
    store.create_proposal({**_deal(), "search": "phones"})
    assert expire_proposals(store, tmp_path / "missing.duckdb", timedelta(days=3)) == 0
    assert expire_proposals(store, tmp_path / "missing.duckdb", timedelta(0)) == 1
    assert store.list_proposals()[0]["reason"] == "stale: pending more than 0 day(s)"


CRASHING_SENDER = """
import sys
from pathlib import Path
from arb_pipeline.alerts.sending import Delivery, send_alert
from arb_pipeline.searches import Search
from arb_pipeline.alerts import store as store_module
from arb_pipeline.alerts.store import CLAIM_LEASE, StateStore
from arb_pipeline_tests.alerts.test_deals import _deal
folder, host = Path(sys.argv[1]), sys.argv[2]
search = Search(name="phones", min_profit=40, recipients=["me@example.com"])
delivery = Delivery(folder / "outbox", "a@b.c", sendgrid_api_key="SG.k", sendgrid_host=host)
send_alert(_deal(), search, StateStore(folder), delivery)
"""


def test_an_alert_whose_run_was_killed_mid_delivery_is_sent_once_later(
    tmp_path, monkeypatch, stub_server
) -> None:
    stub = StubSendGrid(stub_server, 202)
    stub.hold_first = threading.Event()  # SendGrid does not answer the child's send
    search = Search(name="phones", min_profit=40, recipients=["me@example.com"])
    try:
        child = subprocess.Popen([sys.executable, "-c", CRASHING_SENDER, str(tmp_path), stub.host])
        deadline = time.monotonic() + 60
        while not stub.requests and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        assert stub.requests, "the child never reached SendGrid"
        child.kill()  # the run dies while SendGrid has not answered
        child.wait()
    finally:
        stub.hold_first.set()

    store = StateStore(tmp_path)
    assert store.destinations("phones") == {("ebay", "1"): None}
    assert due_alerts(search, [_deal()], store) == []  # it may still be in flight

    later = datetime.now(UTC) + CLAIM_LEASE + timedelta(minutes=1)
    monkeypatch.setattr(store_module, "_now", lambda: later)
    (due,) = due_alerts(search, [_deal()], store)
    delivery = Delivery(
        tmp_path / "outbox", "a@b.c", sendgrid_api_key="SG.k", sendgrid_host=stub.host
    )
    assert send_alert(due, search, store, delivery) == "sendgrid (202)"
    assert send_alert(due, search, StateStore(tmp_path), delivery) is None
    assert due_alerts(search, [_deal()], store) == []
    assert len(stub.requests) == 2 and len(store.list_proposals()) == 1
