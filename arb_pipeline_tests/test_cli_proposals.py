"""`arb-pipeline proposals list|approve|reject` on ARB_HOME's state.db and on ARB_STATE_URL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from arb_pipeline.alerts.store import StateStore
from arb_pipeline.cli import main
from arb_pipeline_tests.alerts.test_email import make_opportunity
from arb_pipeline_tests.alerts.test_store import postgres_schema_url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, arb_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StateStore]:
    """The store the CLI uses, holding proposals 1 (price 210) and 2 (price 150), no budgets."""
    for name in ("ARB_STATE_URL", "ARB_BUDGET_DAILY", "ARB_BUDGET_TOTAL", "ARB_BUDGET_PER_ITEM"):
        monkeypatch.delenv(name, raising=False)

    def filled(store: StateStore) -> StateStore:
        store.create_proposal(make_opportunity())
        store.create_proposal(make_opportunity(listing_id="L-2002", title="Pixel 7", price=150.0))
        return store

    if request.param == "sqlite":
        yield filled(StateStore(arb_home))
        return
    with postgres_schema_url() as url:
        monkeypatch.setenv("ARB_STATE_URL", url)
        yield filled(StateStore(url=url))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one CLI call."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_json_has_the_proposal_fields(
    store: StateStore, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "proposals", "list", "--format", "json")
    assert code == 0
    first, second = json.loads(out)
    assert {k: first[k] for k in ("id", "listing_id", "title", "price", "currency")} == {
        "id": 1,
        "listing_id": "L-1001",
        "title": "iPhone 13 128GB",
        "price": 210.0,
        "currency": "USD",
    }
    assert (first["max_offer"], first["expected_profit"], first["status"]) == (
        260.0,
        180.0,
        "pending",
    )
    assert second["title"] == "Pixel 7"


def test_list_csv_and_status_filter(store: StateStore, capsys: pytest.CaptureFixture[str]) -> None:
    store.reject(2)
    code, out, _ = run(capsys, "proposals", "list", "--status", "pending", "--format", "csv")
    assert code == 0
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert row["id"] == "1" and row["title"] == "iPhone 13 128GB" and row["price"] == "210.0"
    code, out, _ = run(capsys, "proposals", "list")
    assert code == 0 and "iPhone 13 128GB" in out and "rejected" in out


def test_approve_and_reject(store: StateStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "proposals", "approve", "1", "--amount", "200") == (
        0,
        "approved proposal 1: USD 200.00\n"
        "nothing was bought: buy it yourself, then `arb-pipeline proposals purchased 1`\n",
        "",
    )
    assert run(capsys, "proposals", "reject", "2", "--reason", "too far away")[0] == 0
    [approved, rejected] = store.list_proposals()
    assert (approved["status"], approved["approved_amount"]) == ("approved", 200.0)
    assert (rejected["status"], rejected["reason"]) == ("rejected", "too far away")
    code, _, err = run(capsys, "proposals", "reject", "1")
    assert code == 1
    assert err == "refused: proposal 1 is approved; only pending proposals can be rejected\n"


def test_unknown_id_exits_non_zero(store: StateStore, capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("approve", "reject", "purchased"):
        code, out, err = run(capsys, "proposals", command, "99")
        assert (code, out, err) == (2, "", "error: no proposal with id 99\n")


def test_refused_approval_says_which_budget(
    store: StateStore, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARB_BUDGET_TOTAL", "300")
    assert run(capsys, "proposals", "approve", "1")[0] == 0
    code, out, err = run(capsys, "proposals", "approve", "2")
    assert (code, out) == (1, "")
    assert err == (
        "refused: total budget exceeded: limit 300.00, already committed 210.00,"
        " this approval 150.00\n"
    )
    assert [p["status"] for p in store.list_proposals()] == ["approved", "pending"]


def test_purchased_records_a_bought_approved_proposal(
    store: StateStore, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "proposals", "purchased", "1")
    assert (code, err) == (
        1,
        "refused: proposal 1 is pending; only approved proposals can be marked purchased\n",
    )
    assert run(capsys, "proposals", "approve", "1")[0] == 0
    assert run(capsys, "proposals", "purchased", "1", "--note", "paid cash") == (
        0,
        "proposal 1 marked purchased: USD 210.00\n",
        "",
    )
    code, out, _ = run(capsys, "proposals", "list", "--status", "purchased", "--format", "json")
    [bought] = json.loads(out)
    assert (bought["id"], bought["status"], bought["reason"]) == (1, "purchased", "paid cash")
    assert run(capsys, "proposals", "purchased", "99")[0] == 2
