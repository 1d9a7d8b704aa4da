"""State store on SQLite and real PostgreSQL: at-most-once alerts, proposals and budgets."""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from arb_pipeline.alerts import store as store_module
from arb_pipeline.alerts.store import BudgetExceeded, Budgets, StateStore, WrongStatus
from arb_pipeline.paths import ArbHome
from arb_pipeline_tests.alerts.test_email import make_opportunity
from arb_pipeline_tests.requirements import skip_or_fail

POSTGRES_URL = os.environ.get(
    "ARB_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)

MakeStore = Callable[[], StateStore]


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped afterwards; skip if unreachable."""
    admin = sa.create_engine(POSTGRES_URL, poolclass=sa.NullPool)
    schema = f"arb_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f"create schema {schema}"))
    except sa.exc.OperationalError as error:
        message = (
            f"PostgreSQL unreachable at {POSTGRES_URL}: {str(error.orig).strip().splitlines()[0]}"
        )
        skip_or_fail(message)
    try:
        yield (
            sa.make_url(POSTGRES_URL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"drop schema {schema} cascade"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeStore]:
    """Opens a store (again) on one backend: a temp folder's state.db, or a fresh PG schema."""
    if request.param == "sqlite":
        yield lambda: StateStore(tmp_path / "state")
        return
    with postgres_schema_url() as url:
        yield lambda: StateStore(url=url)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The store's clock: set clock[0] to travel in time."""
    now = [datetime.now(UTC)]
    monkeypatch.setattr(store_module, "_now", lambda: now[0])
    return now


def run_in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    """Run work(i) in `count` threads released together; return results or raised errors."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except Exception as error:  # each thread reports what it got
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_sqlite_store_lives_in_the_folder(tmp_path: Path) -> None:
    StateStore(tmp_path / "state")
    assert (tmp_path / "state" / "state.db").is_file()


def test_a_home_with_a_state_url_uses_it(tmp_path: Path) -> None:
    StateStore.for_home(ArbHome(tmp_path / "home"))
    assert (tmp_path / "home" / "state.db").is_file()
    StateStore.for_home(ArbHome(tmp_path / "unused", f"sqlite:///{tmp_path / 'other.db'}"))
    assert (tmp_path / "other.db").is_file() and not (tmp_path / "unused").exists()


def test_claim_alert_only_once(make_store: MakeStore) -> None:
    store = make_store()
    assert store.claim_alert("iphone-13", "ebay", "1", 210.0) is True
    assert store.claim_alert("iphone-13", "ebay", "1", 199.0) is False
    assert store.claim_alert("other-search", "ebay", "1", 210.0) is True
    assert store.alerted("iphone-13") == {("ebay", "1")}


def test_claims_survive_a_restart(make_store: MakeStore) -> None:
    store = make_store()
    assert store.claim_alert("iphone-13", "ebay", "1", 210.0)
    store.record_destination("iphone-13", "ebay", "1", "sendgrid (202)")
    reopened = make_store()
    assert reopened.claim_alert("iphone-13", "ebay", "1", 210.0) is False
    assert reopened.destinations("iphone-13") == {("ebay", "1"): "sendgrid (202)"}
    assert reopened.alerted("nothing") == set()


def test_record_destination_needs_a_claim(make_store: MakeStore) -> None:
    with pytest.raises(KeyError, match="no alert claimed"):
        make_store().record_destination("s", "ebay", "404", "outbox/x.eml")


def test_concurrent_claims_have_exactly_one_winner(make_store: MakeStore) -> None:
    make_store()
    results = run_in_threads(8, lambda _: make_store().claim_alert("s", "ebay", "1", 210.0))
    assert sorted(results) == [False] * 7 + [True]  # type: ignore[type-var]


def test_legacy_sqlite_tables_are_adopted(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "state.db") as conn:
        conn.executescript(
            "create table alerts (search text, source text, listing_id text, price real,"
            " alerted_at text, destination text, primary key (search, source, listing_id));"
            "insert into alerts values ('s', 'ebay', '1', 9.5, '2024-05-01T10:00:00+00:00', 'x');"
        )
    store = StateStore(tmp_path)
    assert store.claim_alert("s", "ebay", "1", 9.5) is False
    assert store.destinations("s") == {("ebay", "1"): "x"}


def test_proposals_lifecycle(make_store: MakeStore) -> None:
    store = make_store()
    opportunity = make_opportunity()
    proposal_id = store.create_proposal(opportunity)
    assert store.create_proposal(opportunity) == proposal_id
    other_id = store.create_proposal(make_opportunity(listing_id="L-2002"))
    assert other_id != proposal_id

    [first, second] = store.list_proposals()
    assert first["id"] == proposal_id and first["status"] == "pending"
    assert first["max_offer"] == 260.0 and first["expected_profit"] == 180.0
    assert first["title"] == "iPhone 13 128GB" and first["currency"] == "USD"
    assert first["decided_at"] is None and first["approved_amount"] is None

    updated = store.reject(proposal_id, reason="battery health unknown")
    assert updated["status"] == "rejected"
    assert updated["reason"] == "battery health unknown"
    assert updated["decided_at"] is not None
    assert [p["id"] for p in make_store().list_proposals("pending")] == [other_id]
    assert [p["id"] for p in store.list_proposals("rejected")] == [proposal_id]

    approved = store.approve(other_id, Budgets(), amount=199.0)
    assert approved["status"] == "approved" and approved["approved_amount"] == 199.0
    purchased = store.mark_purchased(other_id, note="paid cash")
    assert (purchased["status"], purchased["approved_amount"]) == ("purchased", 199.0)
    assert purchased["decided_at"] == approved["decided_at"]  # the spend stays on its day
    assert purchased["reason"] == "paid cash"


def test_only_approved_proposals_can_be_marked_purchased(make_store: MakeStore) -> None:
    store = make_store()
    proposal_id = store.create_proposal(make_opportunity())
    with pytest.raises(WrongStatus, match="is pending; only approved proposals can be marked"):
        store.mark_purchased(proposal_id)
    store.approve(proposal_id, Budgets())
    store.mark_purchased(proposal_id)
    with pytest.raises(WrongStatus, match="is purchased"):
        store.mark_purchased(proposal_id)


def test_only_pending_proposals_can_be_decided(make_store: MakeStore) -> None:
    store = make_store()
    proposal_id = store.create_proposal(make_opportunity())
    store.reject(proposal_id)
    with pytest.raises(WrongStatus, match="is rejected; only pending .* approved"):
        store.approve(proposal_id, Budgets())
    with pytest.raises(WrongStatus, match="only pending proposals can be rejected"):
        store.reject(proposal_id)


def test_unknown_ids_and_statuses_are_refused(make_store: MakeStore) -> None:
    store = make_store()
    store.create_proposal(make_opportunity())
    for call in (
        lambda: store.approve(999, Budgets()),
        lambda: store.reject(999),
        lambda: store.mark_purchased(999),
    ):
        with pytest.raises(KeyError, match="no proposal with id 999"):
            call()
    with pytest.raises(ValueError, match="unknown status"):
        store.list_proposals("maybe")
    assert store.list_proposals()[0]["status"] == "pending"


def test_expire_gone_listings_and_stale_pending_proposals(
    make_store: MakeStore, clock: list[datetime]
) -> None:
    store = make_store()
    clock[0] -= timedelta(days=3)
    old = store.create_proposal(make_opportunity(listing_id="old"))
    decided = store.create_proposal(make_opportunity(listing_id="decided"))
    store.reject(decided)
    clock[0] += timedelta(days=3)
    fresh = store.create_proposal(make_opportunity(listing_id="fresh"))
    gone = store.create_proposal(make_opportunity(listing_id="gone"))
    live = {("sandbox_market", lid) for lid in ("old", "decided", "fresh")}
    assert store.expire(timedelta(days=2), live) == 2
    assert store.expire(timedelta(days=2), live) == 0
    status = {p["id"]: (p["status"], p["reason"]) for p in store.list_proposals()}
    assert status == {
        old: ("expired", "stale: pending more than 2 day(s)"),
        decided: ("rejected", None),
        fresh: ("pending", None),
        gone: ("expired", "listing no longer active"),
    }
    with pytest.raises(WrongStatus, match="is expired"):
        store.approve(old, Budgets())


def test_per_item_cap(make_store: MakeStore) -> None:
    store = make_store()
    proposal_id = store.create_proposal(make_opportunity())  # price 210
    with pytest.raises(BudgetExceeded, match="per-item cap exceeded: limit 200.00") as refused:
        store.approve(proposal_id, Budgets(per_item=200.0))
    assert refused.value.amount == 210.0
    assert store.get_proposal(proposal_id)["status"] == "pending"
    assert store.approve(proposal_id, Budgets(per_item=200.0), amount=195.0)["status"] == (
        "approved"
    )


def test_daily_limit_counts_only_todays_approvals(
    make_store: MakeStore, clock: list[datetime]
) -> None:
    store = make_store()
    ids = [store.create_proposal(make_opportunity(listing_id=f"L{i}")) for i in range(4)]
    budgets = Budgets(daily=500.0)
    clock[0] -= timedelta(days=1)
    store.approve(ids[0], budgets, amount=400.0)  # yesterday's spend
    clock[0] += timedelta(days=1)
    store.approve(ids[1], budgets, amount=300.0)
    with pytest.raises(BudgetExceeded) as refused:
        store.approve(ids[2], budgets, amount=250.0)
    assert str(refused.value) == (
        "daily budget exceeded: limit 500.00, already committed 300.00, this approval 250.00"
    )
    assert store.approve(ids[2], budgets, amount=200.0)["approved_amount"] == 200.0
    with pytest.raises(BudgetExceeded):
        store.approve(ids[3], budgets, amount=0.01)


def test_total_limit_counts_approved_and_purchased(make_store: MakeStore) -> None:
    store = make_store()
    ids = [store.create_proposal(make_opportunity(listing_id=f"L{i}")) for i in range(3)]
    budgets = Budgets(daily=10_000.0, total=450.0)
    store.approve(ids[0], budgets)  # 210 at the listing price
    store.mark_purchased(ids[0])
    store.approve(ids[1], budgets, amount=240.0)  # exactly at the limit
    with pytest.raises(BudgetExceeded, match="total budget exceeded: .* committed 450.00"):
        store.approve(ids[2], budgets, amount=0.01)
    committed = [p["approved_amount"] for p in store.list_proposals() if p["approved_amount"]]
    assert committed == [210.0, 240.0]


def test_concurrent_approvals_never_overspend(make_store: MakeStore) -> None:
    store = make_store()
    ids = [store.create_proposal(make_opportunity(listing_id=f"L{i}")) for i in range(8)]
    budgets = Budgets(daily=1000.0, total=650.0)
    results = run_in_threads(8, lambda i: make_store().approve(ids[i], budgets))
    approved = [r for r in results if isinstance(r, dict)]
    assert len(approved) == 3  # 3 x 210 = 630 <= 650 < 840
    assert all(isinstance(r, BudgetExceeded) for r in results if not isinstance(r, dict))
    total = sum(p["approved_amount"] or 0.0 for p in store.list_proposals())
    assert total == pytest.approx(630.0)


def test_budgets_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        Budgets(daily=-1.0)


def test_realert_only_after_the_drop_and_only_once(make_store: MakeStore) -> None:
    store = make_store()
    assert store.claim_alert("s", "src", "1", 100.0)
    assert store.claim_realert("s", "src", "1", 95.0, drop_pct=10) is None
    assert store.claim_realert("s", "src", "1", 90.0, drop_pct=10) == 100.0
    assert store.claim_realert("s", "src", "1", 90.0, drop_pct=10) is None  # already re-alerted
    assert store.alerted_prices("s") == {("src", "1"): 90.0}
    assert store.claim_realert("s", "src", "2", 1.0, drop_pct=10) is None  # never alerted


def test_a_re_alert_renews_a_pending_or_expired_proposal_only(
    make_store: MakeStore, clock: list[datetime]
) -> None:
    store = make_store()
    first = store.create_proposal(make_opportunity())
    store.expire(timedelta(days=3), live=None)
    clock[0] += timedelta(days=4)
    assert store.expire(timedelta(days=3), live=None) == 1
    again = store.create_proposal(make_opportunity(price=180.0, max_offer=250.0, profit=210.0))
    assert again == first
    renewed = store.get_proposal(first)
    assert (renewed["status"], renewed["reason"], renewed["decided_at"]) == ("pending", None, None)
    assert (renewed["price"], renewed["max_offer"], renewed["expected_profit"]) == (
        180.0,
        250.0,
        210.0,
    )
    assert store.expire(timedelta(days=3), live=None) == 0  # its age counts from the re-alert
    store.reject(first)
    store.create_proposal(make_opportunity(price=150.0))
    assert store.get_proposal(first)["price"] == 180.0  # a decision is never rewritten
    assert store.get_proposal(first)["status"] == "rejected"


def test_a_released_claim_can_be_claimed_again(
    make_store: MakeStore, clock: list[datetime]
) -> None:
    store = make_store()
    assert store.claim_alert("s", "src", "1", 100.0)
    store.release_alert("s", "src", "1")
    assert store.alerted("s") == set()
    assert store.claim_alert("s", "src", "1", 100.0)
    assert store.claim_realert("s", "src", "1", 80.0, drop_pct=10) == 100.0
    store.release_alert("s", "src", "1", previous_price=100.0)
    clock[0] += store_module.CLAIM_LEASE * 2
    assert store.alerted_prices("s") == {("src", "1"): 100.0}  # still alerted once, at 100
    assert store.claim_realert("s", "src", "1", 80.0, drop_pct=10) == 100.0


def test_a_claim_never_delivered_is_given_up_after_the_lease(
    make_store: MakeStore, clock: list[datetime]
) -> None:
    store = make_store()
    assert store.claim_alert("s", "src", "1", 100.0)  # then the run dies: no destination
    assert store.alerted_prices("s") == {("src", "1"): 100.0}
    assert not store.claim_alert("s", "src", "1", 100.0)
    clock[0] += store_module.CLAIM_LEASE + timedelta(seconds=1)
    assert store.alerted_prices("s") == {}
    results = run_in_threads(4, lambda _: make_store().claim_alert("s", "src", "1", 95.0))
    assert sorted(results) == [False, False, False, True]  # type: ignore[type-var]
    store.record_destination("s", "src", "1", "outbox/x.eml")
    clock[0] += store_module.CLAIM_LEASE * 10
    assert store.alerted_prices("s") == {("src", "1"): 95.0}  # delivered claims never lapse
