"""The trades ledger: what was bought, listed and sold, in the state store (SQLite or PostgreSQL).

A trade comes from an approved purchase proposal (`buy`) or from an imported spreadsheet row;
it is open until listed, listed until sold. Amounts are integer cents. Every write is one
transaction that checks before it changes anything, so a refused step leaves the ledger as it
was, and conditional updates keep a trade from being sold twice even by concurrent commands.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from arb_pipeline.alerts import store as state
from arb_pipeline.alerts.store import StateStore, proposals
from arb_pipeline.trades import money
from arb_pipeline.trades.money import FeeSchedule, FxRates, TradeError, from_cents

SCHEMA_LOCK_KEY = 0x417263  # PostgreSQL advisory lock serialising the trades table's creation
PREDICTION_KEYS = (
    "pred_p10",
    "pred_p50",
    "pred_p90",
    "exit_marketplace",
    "category",
    "condition",
    "days_to_sell",
)

metadata = sa.MetaData()
trades = sa.Table(
    "arb_trades",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("origin", sa.Text, nullable=False),  # proposal | import
    sa.Column("proposal_id", sa.Integer, unique=True),
    sa.Column("import_key", sa.Text, unique=True),  # what makes a re-import add nothing
    sa.Column("source", sa.Text),
    sa.Column("listing_id", sa.Text),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("category", sa.Text),
    sa.Column("condition", sa.Text),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("bought_at", sa.Date, nullable=False),
    sa.Column("buy_price_cents", sa.BigInteger, nullable=False),
    sa.Column("buy_shipping_cents", sa.BigInteger, nullable=False),
    sa.Column("buy_fees_cents", sa.BigInteger, nullable=False),
    sa.Column("listed_at", sa.Date),
    sa.Column("listed_marketplace", sa.Text),
    sa.Column("listed_price_cents", sa.BigInteger),
    sa.Column("sold_at", sa.Date),
    sa.Column("sold_marketplace", sa.Text),
    sa.Column("sold_price_cents", sa.BigInteger),
    sa.Column("sale_fees_cents", sa.BigInteger),
    sa.Column("sale_shipping_cents", sa.BigInteger),
    sa.Column("fees_basis", sa.Text),  # "given", or the fee rule applied
    sa.Column("pred_p10", sa.Float),
    sa.Column("pred_p50", sa.Float),
    sa.Column("pred_p90", sa.Float),
    sa.Column("pred_exit_marketplace", sa.Text),
    sa.Column("pred_days_to_sell", sa.Float),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# the prediction an alert was sent with, kept beside its proposal (trades/predictions.py)
proposal_predictions = sa.Table(
    "arb_proposal_predictions",
    metadata,
    sa.Column("proposal_id", sa.Integer, primary_key=True),
    sa.Column("pred_p10", sa.Float),
    sa.Column("pred_p50", sa.Float),
    sa.Column("pred_p90", sa.Float),
    sa.Column("exit_marketplace", sa.Text),
    sa.Column("category", sa.Text),
    sa.Column("condition", sa.Text),
    sa.Column("days_to_sell", sa.Float),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)


def create_tables(engine: sa.Engine) -> None:
    """Create the ledger's tables if missing (PostgreSQL: one creator at a time)."""
    state.create_tables(engine, metadata, SCHEMA_LOCK_KEY)


@dataclass(frozen=True)
class Sale:
    """A sale to record: amounts in cents; fees None means the marketplace's schedule."""

    on: date
    price_cents: int
    marketplace: str | None
    fees_cents: int | None = None
    shipping_cents: int = 0


@dataclass(frozen=True)
class ImportRow:
    """One validated row of an imported file."""

    key: str
    title: str
    currency: str
    bought_at: date
    bought_cents: int
    shipping_cents: int = 0
    category: str | None = None
    condition: str | None = None
    sale: Sale | None = None


@dataclass
class ImportResult:
    """What an import did: trades added, sales added to trades imported earlier, rows unchanged."""

    added: int = 0
    sold: int = 0
    unchanged: int = 0
    ids: list[int] = field(default_factory=list)


def _check_date(on: date, what: str) -> None:
    """Refuse a date after today: the ledger records what happened."""
    if on > money.today():
        raise TradeError(f"{what} date {on} is in the future")


class TradeLedger:
    """Trades in the same database as the alert state and proposals."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.engine = store.engine
        self._sqlite = self.engine.dialect.name == "sqlite"
        create_tables(self.engine)

    @contextmanager
    def _transaction(self) -> Iterator[sa.Connection]:
        """One write transaction; on SQLite it takes the write lock up front."""
        with self.engine.begin() as conn:
            if self._sqlite:
                conn.exec_driver_sql("begin immediate")
            yield conn

    def buy(
        self,
        proposal_id: int,
        price_cents: int,
        on: date,
        shipping_cents: int = 0,
        fees_cents: int = 0,
        prediction: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Turn an approved proposal into a trade with its real cost; the proposal becomes
        purchased and its committed amount the money actually spent (what budgets count)."""
        _check_date(on, "purchase")
        prediction = prediction or {}
        with self._transaction() as conn:
            query = sa.select(proposals).where(proposals.c.id == proposal_id).with_for_update()
            proposal = conn.execute(query).mappings().first()
            if proposal is None:
                raise KeyError(f"no proposal with id {proposal_id}")
            existing = conn.execute(
                sa.select(trades.c.id).where(trades.c.proposal_id == proposal_id)
            ).scalar_one_or_none()
            if existing is not None:
                raise TradeError(f"proposal {proposal_id} was already bought: trade {existing}")
            # `purchased` without a trade: marked with `proposals purchased` before trades existed
            if proposal["status"] not in ("approved", "purchased"):
                raise TradeError(
                    f"proposal {proposal_id} is {proposal['status']}; approve it first "
                    f"(arb-pipeline proposals approve {proposal_id})"
                )
            cost_cents = price_cents + shipping_cents + fees_cents
            trade_id = conn.execute(
                trades.insert()
                .values(
                    origin="proposal",
                    proposal_id=proposal_id,
                    source=proposal["source"],
                    listing_id=proposal["listing_id"],
                    title=proposal["title"] or f"{proposal['source']} {proposal['listing_id']}",
                    category=prediction.get("category"),
                    condition=prediction.get("condition"),
                    currency=proposal["currency"] or "USD",
                    bought_at=on,
                    buy_price_cents=price_cents,
                    buy_shipping_cents=shipping_cents,
                    buy_fees_cents=fees_cents,
                    pred_p10=prediction.get("pred_p10"),
                    pred_p50=prediction.get("pred_p50"),
                    pred_p90=prediction.get("pred_p90"),
                    pred_exit_marketplace=prediction.get("exit_marketplace"),
                    pred_days_to_sell=prediction.get("days_to_sell"),
                    created_at=datetime.now(UTC),
                )
                .returning(trades.c.id)
            ).scalar_one()
            conn.execute(
                proposals.update()
                .where(proposals.c.id == proposal_id)
                .values(
                    status="purchased",
                    approved_amount=float(from_cents(cost_cents)),
                    reason=f"bought for {from_cents(cost_cents)} on {on} (trade {trade_id})",
                )
            )
            return self._get(conn, trade_id)

    def list_for_sale(
        self, trade_id: int, marketplace: str, price_cents: int, on: date
    ) -> dict[str, Any]:
        """Record (or update) where and at what asking price an unsold trade is listed."""
        _check_date(on, "listing")
        with self._transaction() as conn:
            trade = self._get(conn, trade_id, lock=True)
            self._refuse_sold(trade)
            if on < trade["bought_at"]:
                raise TradeError(
                    f"trade {trade_id} cannot be listed on {on}, before its purchase on "
                    f"{trade['bought_at']}"
                )
            conn.execute(
                trades.update()
                .where((trades.c.id == trade_id) & trades.c.sold_at.is_(None))
                .values(
                    listed_at=on, listed_marketplace=marketplace, listed_price_cents=price_cents
                )
            )
            return self._get(conn, trade_id)

    def sell(self, trade_id: int, sale: Sale, schedule: FeeSchedule) -> dict[str, Any]:
        """Record the sale of an unsold trade; fees default to the marketplace's schedule on
        the sale date (the trade's `fees_basis` says which rule, so it can be corrected)."""
        _check_date(sale.on, "sale")
        with self._transaction() as conn:
            trade = self._get(conn, trade_id, lock=True)
            values = _sale_values(trade, sale, schedule)
            done = conn.execute(
                trades.update()
                .where((trades.c.id == trade_id) & trades.c.sold_at.is_(None))
                .values(**values)
            )
            if done.rowcount != 1:  # sold by a concurrent command since we read it
                raise TradeError(f"trade {trade_id} was already sold")
            return self._get(conn, trade_id)

    def correct(
        self, trade_id: int, fees_cents: int | None = None, shipping_cents: int | None = None
    ) -> dict[str, Any]:
        """Correct the fees or shipping of a recorded sale (e.g. the defaulted fees)."""
        values: dict[str, Any] = {}
        if fees_cents is not None:
            values.update(sale_fees_cents=fees_cents, fees_basis="given")
        if shipping_cents is not None:
            values["sale_shipping_cents"] = shipping_cents
        if not values:
            raise TradeError("nothing to correct: give --fees and/or --shipping")
        with self._transaction() as conn:
            trade = self._get(conn, trade_id, lock=True)
            if trade["sold_at"] is None:
                raise TradeError(f"trade {trade_id} is not sold; record the sale with sell")
            conn.execute(trades.update().where(trades.c.id == trade_id).values(**values))
            return self._get(conn, trade_id)

    def import_rows(self, rows: list[ImportRow], schedule: FeeSchedule) -> ImportResult:
        """Add imported trades in one transaction: a key seen before adds nothing, except the
        sale of a trade imported unsold earlier (the spreadsheet was updated since)."""
        result = ImportResult()
        with self._transaction() as conn:
            keys = [row.key for row in rows]
            known = {
                r.import_key: r
                for r in conn.execute(sa.select(trades).where(trades.c.import_key.in_(keys)))
                .mappings()
                .all()
            }
            now = datetime.now(UTC)
            for row in rows:
                if row.key in known:
                    trade = dict(known[row.key])
                    if row.sale is None or trade["sold_at"] is not None:
                        result.unchanged += 1
                        continue
                    values = _sale_values(trade, row.sale, schedule)
                    conn.execute(trades.update().where(trades.c.id == trade["id"]).values(values))
                    result.sold += 1
                    result.ids.append(trade["id"])
                    continue
                values = {
                    "origin": "import",
                    "import_key": row.key,
                    "title": row.title,
                    "category": row.category,
                    "condition": row.condition,
                    "currency": row.currency,
                    "bought_at": row.bought_at,
                    "buy_price_cents": row.bought_cents,
                    "buy_shipping_cents": row.shipping_cents,
                    "buy_fees_cents": 0,
                    "created_at": now,
                }
                if row.sale is not None:
                    values.update(_sale_values(values, row.sale, schedule))
                insert = (sqlite if self._sqlite else postgresql).insert(trades)
                new_id = conn.execute(
                    insert.values(**values)
                    .on_conflict_do_nothing(index_elements=["import_key"])
                    .returning(trades.c.id)
                ).scalar_one_or_none()
                if new_id is None:  # a concurrent import of the same file landed it first
                    result.unchanged += 1
                    continue
                known[row.key] = {**values, "id": new_id}
                result.added += 1
                result.ids.append(new_id)
        return result

    def get(self, trade_id: int) -> dict[str, Any]:
        """One trade as stored; KeyError if unknown."""
        with self.engine.connect() as conn:
            return self._get(conn, trade_id)

    def all(self) -> list[dict[str, Any]]:
        """Every trade as stored, by id."""
        with self.engine.connect() as conn:
            query = sa.select(trades).order_by(trades.c.id)
            return [_row(r) for r in conn.execute(query).mappings()]

    def _get(self, conn: sa.Connection, trade_id: int, lock: bool = False) -> dict[str, Any]:
        query = sa.select(trades).where(trades.c.id == trade_id)
        row = conn.execute(query.with_for_update() if lock else query).mappings().first()
        if row is None:
            raise KeyError(f"no trade with id {trade_id}")
        return _row(row)

    @staticmethod
    def _refuse_sold(trade: dict[str, Any]) -> None:
        if trade["sold_at"] is not None:
            raise TradeError(
                f"trade {trade['id']} was already sold on {trade['sold_at']} for "
                f"{from_cents(trade['sold_price_cents'])} {trade['currency']}"
            )


def _row(row: sa.RowMapping) -> dict[str, Any]:
    """A stored trade as a dict; SQLite hands dates back as dates too (sa.Date)."""
    return dict(row)


def _sale_values(trade: dict[str, Any], sale: Sale, schedule: FeeSchedule) -> dict[str, Any]:
    """The columns a sale sets, after checking it can follow this trade."""
    if trade.get("sold_at") is not None:
        TradeLedger._refuse_sold(trade)
    if sale.on < trade["bought_at"]:
        raise TradeError(
            f"sale date {sale.on} is before the purchase on {trade['bought_at']}"
            + (f" (trade {trade['id']})" if trade.get("id") else "")
        )
    fees, basis = sale.fees_cents, "given"
    if fees is None:
        if sale.marketplace is None:
            fees, basis = 0, "no marketplace"
        else:
            rule = schedule.rule(
                sale.marketplace, sale.on, trade.get("category"), trade.get("currency")
            )
            if rule is None:
                known = ", ".join(sorted(schedule.marketplaces()))
                raise TradeError(
                    f"no fee schedule for {sale.marketplace} on {sale.on} (known: {known}); "
                    "give the fees"
                )
            fees, basis = rule.fees_cents(sale.price_cents), rule.describe()
    return {
        "sold_at": sale.on,
        "sold_marketplace": sale.marketplace,
        "sold_price_cents": sale.price_cents,
        "sale_fees_cents": fees,
        "sale_shipping_cents": sale.shipping_cents,
        "fees_basis": basis,
    }


def status_of(trade: dict[str, Any]) -> str:
    """open, listed or sold."""
    if trade["sold_at"] is not None:
        return "sold"
    return "listed" if trade["listed_at"] is not None else "open"


def outcome(
    trade: dict[str, Any], fx: FxRates, reporting_currency: str, today: date | None = None
) -> dict[str, Any]:
    """A trade as a reseller reads it: cost, proceeds, realized profit to the cent (own and
    reporting currency, at the sale date's rate), days held, and the prediction it was bought
    on with whether the sold price fell inside p10–p90."""
    today = today or money.today()
    cost = trade["buy_price_cents"] + trade["buy_shipping_cents"] + trade["buy_fees_cents"]
    sold = trade["sold_at"] is not None
    profit = (
        trade["sold_price_cents"] - trade["sale_fees_cents"] - trade["sale_shipping_cents"] - cost
        if sold
        else None
    )
    profit_reporting = (
        fx.convert_cents(profit, trade["currency"], reporting_currency, trade["sold_at"])
        if profit is not None
        else None
    )
    p10, p90 = trade["pred_p10"], trade["pred_p90"]
    within = None
    if sold and p10 is not None and p90 is not None:
        price = Decimal(trade["sold_price_cents"]) / 100
        within = Decimal(str(p10)) <= price <= Decimal(str(p90))
    return {
        "id": trade["id"],
        "status": status_of(trade),
        "title": trade["title"],
        "origin": trade["origin"],
        "proposal_id": trade["proposal_id"],
        "source": trade["source"],
        "listing_id": trade["listing_id"],
        "category": trade["category"],
        "condition": trade["condition"],
        "currency": trade["currency"],
        "bought_at": trade["bought_at"].isoformat(),
        "cost": from_cents(cost),
        "listed_at": _iso(trade["listed_at"]),
        "listed_marketplace": trade["listed_marketplace"],
        "listed_price": from_cents(trade["listed_price_cents"]),
        "sold_at": _iso(trade["sold_at"]),
        "marketplace": trade["sold_marketplace"],
        "proceeds": from_cents(trade["sold_price_cents"]),
        "fees": from_cents(trade["sale_fees_cents"]),
        "fees_basis": trade["fees_basis"],
        "shipping": from_cents(trade["sale_shipping_cents"]),
        "realized_profit": from_cents(profit),
        "reporting_currency": reporting_currency,
        "realized_profit_reporting": from_cents(profit_reporting),
        "days_held": ((trade["sold_at"] or today) - trade["bought_at"]).days,
        "pred_p10": p10,
        "pred_p50": trade["pred_p50"],
        "pred_p90": p90,
        "pred_exit_marketplace": trade["pred_exit_marketplace"],
        "pred_days_to_sell": trade["pred_days_to_sell"],
        "within_interval": within,
    }


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
