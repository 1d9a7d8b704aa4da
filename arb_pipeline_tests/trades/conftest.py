"""Fixtures of the trades tests: the CLI's state store on SQLite and PostgreSQL, a warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from arb_pipeline.alerts.store import Budgets, StateStore
from arb_pipeline_tests.alerts.test_email import make_opportunity
from arb_pipeline_tests.alerts.test_store import postgres_schema_url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, arb_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StateStore]:
    """The store the CLI uses (ARB_HOME's state.db, or a fresh PostgreSQL schema through
    ARB_STATE_URL) with proposal 1 (iPhone 13, 210.00 USD) approved and 2 (Pixel 7) pending."""
    for name in ("ARB_STATE_URL", "ARB_BUDGET_DAILY", "ARB_BUDGET_TOTAL", "ARB_BUDGET_PER_ITEM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ARB_REPORTING_CURRENCY", raising=False)

    def filled(store: StateStore) -> StateStore:
        first = store.create_proposal(make_opportunity())
        store.create_proposal(make_opportunity(listing_id="L-2002", title="Pixel 7", price=150.0))
        store.approve(first, Budgets())
        return store

    if request.param == "sqlite":
        yield filled(StateStore(arb_home))
        return
    with postgres_schema_url() as url:
        monkeypatch.setenv("ARB_STATE_URL", url)
        yield filled(StateStore(url=url))


@pytest.fixture
def warehouse(arb_home: Path) -> Path:
    """A real DuckDB warehouse holding proposal 1's opportunity (p10–p90 380–495 on ebay) and
    its product's median days to sell (12)."""
    path = arb_home / "warehouse.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute(
            "create table fct_opportunities as select 'sandbox_market' as source,"
            " 'L-1001' as listing_id, 'p-iphone13' as product_id, 'Cell Phones' as category_raw,"
            " 'good' as condition, 380.0 as pred_p10, 440.0 as pred_p50, 495.0 as pred_p90,"
            " 'ebay' as exit_marketplace"
        )
        conn.execute(
            "create table mart_product_price_stats as select 'p-iphone13' as product_id,"
            " 'good' as condition, 12.0 as median_days_to_sell"
        )
    return path
