"""State store: at-most-once alert claims across restarts and threads; purchase proposals."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from arb_pipeline.alerts.store import StateStore
from arb_pipeline_tests.alerts.test_email import make_opportunity


def test_claim_alert_only_once(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state")
    assert (tmp_path / "state" / "state.db").is_file()
    assert store.claim_alert("iphone-13", "ebay", "1", 210.0) is True
    assert store.claim_alert("iphone-13", "ebay", "1", 199.0) is False
    assert store.claim_alert("other-search", "ebay", "1", 210.0) is True
    assert store.alerted("iphone-13") == {("ebay", "1")}


def test_claims_survive_a_restart(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    assert store.claim_alert("iphone-13", "ebay", "1", 210.0)
    store.record_destination("iphone-13", "ebay", "1", "sendgrid (202)")
    reopened = StateStore(tmp_path)
    assert reopened.claim_alert("iphone-13", "ebay", "1", 210.0) is False
    assert reopened.alerted("iphone-13") == {("ebay", "1")}
    assert reopened.alerted("nothing") == set()


def test_record_destination_needs_a_claim(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="no alert claimed"):
        StateStore(tmp_path).record_destination("s", "ebay", "404", "outbox/x.eml")


def test_concurrent_claims_have_exactly_one_winner(tmp_path: Path) -> None:
    StateStore(tmp_path)
    barrier = threading.Barrier(8)
    results: list[bool] = []
    lock = threading.Lock()

    def claim() -> None:
        store = StateStore(tmp_path)
        barrier.wait()
        won = store.claim_alert("iphone-13", "ebay", "1", 210.0)
        with lock:
            results.append(won)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_proposals_lifecycle(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    opportunity = make_opportunity()
    proposal_id = store.create_proposal(opportunity)
    assert store.create_proposal(opportunity) == proposal_id
    other_id = store.create_proposal(make_opportunity(listing_id="L-2002"))
    assert other_id != proposal_id

    [first, second] = store.list_proposals()
    assert first["id"] == proposal_id and first["status"] == "pending"
    assert first["max_offer"] == 260.0 and first["expected_profit"] == 180.0
    assert first["title"] == "iPhone 13 128GB" and first["currency"] == "USD"
    assert first["decided_at"] is None

    updated = store.set_status(proposal_id, "rejected", reason="battery health unknown")
    assert updated["status"] == "rejected"
    assert updated["reason"] == "battery health unknown"
    assert updated["decided_at"] is not None
    assert [p["id"] for p in StateStore(tmp_path).list_proposals("pending")] == [other_id]
    assert [p["id"] for p in store.list_proposals("rejected")] == [proposal_id]


def test_set_status_rejects_unknown_id_and_status(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    proposal_id = store.create_proposal(make_opportunity())
    with pytest.raises(KeyError, match="no proposal with id 999"):
        store.set_status(999, "approved")
    with pytest.raises(ValueError, match="unknown status"):
        store.set_status(proposal_id, "bought")
    with pytest.raises(ValueError, match="unknown status"):
        store.list_proposals("maybe")
    assert store.list_proposals()[0]["status"] == "pending"
