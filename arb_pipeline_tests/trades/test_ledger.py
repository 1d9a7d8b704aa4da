"""The ledger under concurrency, on SQLite and PostgreSQL: a trade is sold once, a proposal
bought once, and a file imported once, however many commands race."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

from arb_pipeline.alerts.store import StateStore
from arb_pipeline.trades.cli import fee_schedule
from arb_pipeline.trades.importer import parse_rows
from arb_pipeline.trades.ledger import Sale, TradeLedger
from arb_pipeline.trades.money import TradeError

RACERS = 6


def race(action: Callable[[int], object]) -> tuple[int, list[str]]:
    """Run `action(n)` in RACERS threads at once; how many succeeded, and the refusals."""
    barrier = threading.Barrier(RACERS)
    done: list[object] = []
    refused: list[str] = []

    def run(n: int) -> None:
        barrier.wait()
        try:
            done.append(action(n))
        except (TradeError, KeyError) as error:
            refused.append(str(error))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(done), refused


def test_racing_buys_and_sales_record_one_each(store: StateStore) -> None:
    ledger = TradeLedger(store)
    bought, refused = race(lambda n: ledger.buy(1, 20000 + n, date(2025, 3, 1)))
    assert bought == 1 and len(refused) == RACERS - 1
    assert all("proposal 1 was already bought: trade 1" in r for r in refused)
    schedule = fee_schedule()

    def sell(n: int) -> dict:
        sale = Sale(date(2025, 3, 9), 30000 + n, "craigslist")
        return TradeLedger(store).sell(1, sale, schedule)

    sold, refused = race(sell)
    assert sold == 1 and len(refused) == RACERS - 1
    assert all("trade 1 was already sold" in r for r in refused)
    (trade,) = ledger.all()
    assert trade["sold_price_cents"] - 30000 in range(RACERS)


def test_racing_imports_of_one_file_land_it_once(store: StateStore, tmp_path: Path) -> None:
    rows = [
        {"title": "Switch OLED", "bought_price": "180", "bought_at": "2025-01-04"},
        {"title": "Switch OLED", "bought_price": "180", "bought_at": "2025-01-04"},
        {"title": "Kindle", "bought_price": "35", "bought_at": "2025-01-05", "sold_price": "80",
         "sold_at": "2025-01-09", "marketplace": "ebay"},
    ]  # fmt: skip
    good, bad = parse_rows(rows, 2, "USD", date(2026, 1, 1))
    assert bad == []
    imported, refused = race(lambda n: TradeLedger(store).import_rows(good, fee_schedule()))
    assert (imported, refused) == (RACERS, [])
    assert len(TradeLedger(store).all()) == 3
