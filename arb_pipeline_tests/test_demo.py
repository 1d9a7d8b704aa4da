"""End to end on the sandbox: the demo finds every planted deal, none of the traps, once; a
second run after a crash mid-send sends only the email the crash lost."""

import email
import email.policy
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from arb_pipeline.alerts import store as store_module
from arb_pipeline.alerts.store import CLAIM_LEASE, StateStore
from arb_pipeline.demo import run_demo
from arb_pipeline.paths import DBT_PROJECT_DIR, ArbHome
from arb_pipeline.pricing.versions import load_current
from arb_pipeline.sandbox.catalogue import generate_market
from arb_pipeline.sources.registry import SANDBOX_SOURCES
from arb_pipeline.warehouse import query

SOURCE_OF = {"ebay": "sandbox_ebay_api", "craigslist": "sandbox_craigslist"}
# a fixed sandbox day, so a failure reproduces tomorrow (test_demo_today.py runs today's)
DAY = date(2026, 3, 14)


def _sandbox_id(listing_id: str) -> str:
    """Browse API item ids look like `v1|<legacy id>|0`; the sandbox knows the legacy id."""
    return listing_id.split("|")[1] if "|" in listing_id else listing_id


def _partitions(home: ArbHome) -> dict[str, int]:
    return {
        str(path.relative_to(home.raw_listings)): pl.read_parquet(path).height
        for path in sorted(home.raw_listings.rglob("*"))
        if path.is_file()
    }


def _crash_mid_send(home: ArbHome, destination: str) -> None:
    """As a run that died mid-send leaves it: the alert claimed, its email never written, and
    the claim's lease run out."""
    Path(destination).unlink()
    alerts = store_module.alerts
    with StateStore.for_home(home).engine.begin() as conn:
        conn.execute(
            alerts.update()
            .where(alerts.c.destination == destination)
            .values(destination=None, alerted_at=datetime.now(UTC) - CLAIM_LEASE * 2)
        )


@pytest.fixture(scope="module")
def two_demo_runs(tmp_path_factory: pytest.TempPathFactory):
    """Two demo runs of DAY in one ARB_HOME; between them the first run's best deal's email is
    lost to a crash mid-send (one shared pair of runs: each demo run costs a minute or more)."""
    root = tmp_path_factory.mktemp("arb_home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ARB_HOME", str(root))
        patch.delenv("SENDGRID_API_KEY", raising=False)
        patch.delenv("DAGSTER_HOME", raising=False)
        home = ArbHome(root).ensure()
        first = run_demo(home, DAY)
        outbox_after_first = sorted(home.outbox.iterdir())
        partitions_after_first = _partitions(home)
        _crash_mid_send(home, first.deals[0]["destination"])
        second = run_demo(home, DAY)
    return home, DAY, first, second, outbox_after_first, partitions_after_first


def test_demo_finds_every_planted_deal_and_no_trap(two_demo_runs) -> None:
    home, day, first, _, _, _ = two_demo_runs
    market = generate_market(7, day)
    planted = {(SOURCE_OF[marketplace], lid) for marketplace, lid in market.planted_deals()}
    traps = {(SOURCE_OF[marketplace], lid) for marketplace, lid in market.traps().values()}
    found = {(deal["source"], _sandbox_id(deal["listing_id"])) for deal in first.deals}
    assert first.ingest_failures == []
    # the only thing the demo may leave out is the browser-rendered source, without Chromium
    assert all("no Chromium" in reason for reason in first.skipped), first.skipped
    assert found == planted
    assert not found & traps
    assert first.alerts_sent == len(planted)


def test_each_deal_email_is_in_the_outbox_with_text_and_html(two_demo_runs) -> None:
    home, _, first, second, outbox, _ = two_demo_runs
    assert len(outbox) == len(first.deals)
    assert {Path(deal["destination"]) for deal in first.deals} == set(outbox)
    # after both runs: every deal's email, the one re-sent after the crash included
    final = sorted(home.outbox.iterdir())
    assert {Path(deal["destination"]) for deal in second.deals} == set(final)
    for path in final:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert message["Subject"].startswith("Deal: ")
        assert message.get_body(("plain",)) is not None
        assert "<html" in message.get_body(("html",)).get_content().lower()


def test_each_alert_records_one_pending_proposal_with_the_emailed_numbers(two_demo_runs) -> None:
    home, _, first, second, _, _ = two_demo_runs
    proposals = StateStore.for_home(home).list_proposals()
    assert len(proposals) == len(second.deals)
    assert {p["status"] for p in proposals} == {"pending"}
    # each deal as its email went out: the re-sent one with the second run's figures
    emailed = [second.deals[0], *first.deals[1:]]
    deals = {(d["source"], d["listing_id"]): d for d in emailed}
    for proposal in proposals:
        deal = deals[(proposal["source"], proposal["listing_id"])]
        price, profit, cur = float(deal["price"]), float(deal["profit"]), deal["currency"]
        assert (proposal["price"], proposal["expected_profit"]) == (price, profit)
        # sandbox buyers pay no fee, so each unit of offer above the price is a unit of p10
        # profit: the suggested max offer leaves exactly the search's min_profit (40) at p10
        at_offer = float(deal["profit_p10"]) - (proposal["max_offer"] - price)
        assert at_offer == pytest.approx(40.0, abs=0.015)
        message = email.message_from_bytes(
            Path(deal["destination"]).read_bytes(), policy=email.policy.default
        )
        assert message["Subject"].endswith(f" at {cur} {price:.2f}, profit ~{cur} {profit:.2f}")
        text = message.get_body(("plain",)).get_content()
        assert f"Suggested max offer: {cur} {proposal['max_offer']:.2f}" in text
        assert "Vetted by: rules" in text


def test_second_run_sends_only_the_lost_email_and_does_not_grow_the_lake(two_demo_runs) -> None:
    home, _, first, second, outbox, partitions = two_demo_runs
    lost = Path(first.deals[0]["destination"])
    resent = Path(second.deals[0]["destination"])
    # the crash's lost email is sent again and counted; every other deal is not sent twice
    assert second.alerts_sent == 1
    assert second.undelivered == 0
    assert resent != lost and resent.is_file()
    assert sorted(home.outbox.iterdir()) == sorted({*outbox, resent} - {lost})
    assert [d["destination"] for d in second.deals[1:]] == [
        d["destination"] for d in first.deals[1:]
    ]
    assert _partitions(home) == partitions
    # one file per (source, date) the demo ingested
    assert len(partitions) == len(SANDBOX_SOURCES) - len(first.skipped)
    assert [d["listing_id"] for d in second.deals] == [d["listing_id"] for d in first.deals]


def test_the_pipeline_model_knows_the_product_key_and_beats_the_median(two_demo_runs) -> None:
    home = two_demo_runs[0]
    _, model = load_current(home.models)
    assert "product_id" in model.card["feature_columns"]["categorical"]
    metrics = model.card["metrics"]
    assert metrics["model"]["rmsle"] < metrics["baseline_group_median"]["rmsle"]


def test_opportunities_carry_the_sellers_text_for_vetting(two_demo_runs) -> None:
    home = two_demo_runs[0]
    columns = query(home.warehouse, "select * from fct_opportunities limit 0").columns
    assert "description" in columns


def test_every_mart_and_its_columns_are_described_in_the_warehouse_file(two_demo_runs) -> None:
    """Analysts read the dbt docs in DuckDB itself: `select comment from duckdb_columns()`."""
    home = two_demo_runs[0]
    marts = sorted(path.stem for path in (DBT_PROJECT_DIR / "models" / "marts").glob("*.sql"))
    tables = query(
        home.warehouse,
        "select table_name, comment from duckdb_tables() where schema_name = 'main'"
        " and table_name in (select unnest(?))",
        [marts],
    )
    assert sorted(tables["table_name"]) == marts
    assert tables["comment"].str.len_chars().min() > 20
    undocumented = query(
        home.warehouse,
        "select table_name, column_name from duckdb_columns() where schema_name = 'main'"
        " and table_name in (select unnest(?)) and coalesce(trim(comment), '') = ''",
        [marts],
    )
    assert undocumented.rows() == []


def test_dbt_unit_tests_pass_on_the_built_warehouse(two_demo_runs, tmp_path: Path) -> None:
    """The fee and profit logic's unit tests (pipeline builds leave them to CI)."""
    home = two_demo_runs[0]
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(home.warehouse, warehouse)
    env = {**os.environ, "ARB_HOME": str(home.root), "ARB_WAREHOUSE_PATH": str(warehouse)}
    completed = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "test", "--select", "test_type:unit",
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-4000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    names = {r["unique_id"].split(".")[-1] for r in results if r["status"] == "pass"}
    assert len(names) == len(results) >= 4
    assert "opportunity_profit_matches_a_hand_computed_example" in names


def test_an_unknown_sandbox_source_is_refused_before_any_run(tmp_path: Path) -> None:
    home = ArbHome(tmp_path / "arb_home").ensure()
    with pytest.raises(ValueError, match="unknown sandbox source.*: sandbox_nowhere"):
        run_demo(home, DAY, sources=["sandbox_ebay_api", "sandbox_nowhere"])
    assert not any(home.raw_listings.rglob("*.parquet"))
