"""Alert state (one alert per search and listing) and purchase proposals with budgets, on
SQLite or PostgreSQL.

Proposals go pending -> approved / rejected / expired, and approved -> purchased. Nothing here
buys anything: approving or marking purchased only records what the user decided or did.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from arb_pipeline.paths import ArbHome
from arb_pipeline.searches import realert_due

PROPOSAL_STATUSES = ("pending", "approved", "rejected", "expired", "purchased")
COMMITTED_STATUSES = ("approved", "purchased")
BUSY_TIMEOUT_SECONDS = 30.0
SCHEMA_LOCK_KEY = 0x417262  # PostgreSQL advisory lock serialising table creation
BUDGET_LOCK = "budget"
CENT_TOLERANCE = 1e-6
# longer than any delivery takes (SendGrid's 30 s timeout, webhook retries), so a claim still
# undelivered after it belongs to a run that crashed, and its alert is sent again
CLAIM_LEASE = timedelta(minutes=15)

metadata = sa.MetaData()
alerts = sa.Table(
    "arb_alerts",
    metadata,
    sa.Column("search", sa.Text, primary_key=True),
    sa.Column("source", sa.Text, primary_key=True),
    sa.Column("listing_id", sa.Text, primary_key=True),
    sa.Column("price", sa.Float),
    sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("destination", sa.Text),
)
proposals = sa.Table(
    "arb_proposals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("search", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("listing_id", sa.Text, nullable=False),
    sa.Column("title", sa.Text),
    sa.Column("url", sa.Text),
    sa.Column("price", sa.Float),
    sa.Column("currency", sa.Text),
    sa.Column("max_offer", sa.Float),
    sa.Column("expected_profit", sa.Float),
    sa.Column("status", sa.Text, nullable=False, server_default="pending"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    sa.Column("reason", sa.Text),
    sa.Column("approved_amount", sa.Float),
    sa.UniqueConstraint("search", "source", "listing_id"),
)
locks = sa.Table("arb_locks", metadata, sa.Column("name", sa.Text, primary_key=True))


class BudgetExceeded(ValueError):
    """An approval refused because it would exceed a budget."""

    def __init__(self, budget: str, limit: float, committed: float | None, amount: float) -> None:
        self.budget, self.limit, self.committed, self.amount = budget, limit, committed, amount
        spent = "" if committed is None else f", already committed {committed:.2f}"
        super().__init__(f"{budget} exceeded: limit {limit:.2f}{spent}, this approval {amount:.2f}")


class WrongStatus(ValueError):
    """A step asked of a proposal whose status does not allow it."""


@dataclass(frozen=True)
class Budgets:
    """Spending limits for approvals, in the proposals' currency; None means no limit."""

    daily: float | None = None
    total: float | None = None
    per_item: float | None = None

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if value is not None and value < 0:
                raise ValueError(f"budget {field.name} must not be negative, got {value}")

    def check(self, amount: float, committed_today: float, committed_total: float) -> None:
        """Raise BudgetExceeded if approving `amount` on top of what is committed breaks a limit."""
        if self.per_item is not None and amount > self.per_item + CENT_TOLERANCE:
            raise BudgetExceeded("per-item cap", self.per_item, None, amount)
        for name, limit, committed in (
            ("daily budget", self.daily, committed_today),
            ("total budget", self.total, committed_total),
        ):
            if limit is not None and committed + amount > limit + CENT_TOLERANCE:
                raise BudgetExceeded(name, limit, committed, amount)


def _now() -> datetime:
    """Current UTC time (patched in tests to travel in time)."""
    return datetime.now(UTC)


def _plain(row: sa.RowMapping) -> dict[str, Any]:
    """A row as a dict, with timestamps as ISO 8601 UTC text."""
    return {key: _iso(val) if isinstance(val, datetime) else val for key, val in row.items()}


def _iso(value: datetime) -> str:
    """ISO 8601 UTC text; naive values (SQLite) are UTC already."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def _check_status(status: str) -> None:
    """Raise ValueError for a status outside PROPOSAL_STATUSES."""
    if status not in PROPOSAL_STATUSES:
        raise ValueError(
            f"unknown status {status!r}; expected one of {', '.join(PROPOSAL_STATUSES)}"
        )


def create_tables(engine: sa.Engine, tables: sa.MetaData, lock_key: int) -> None:
    """Create the missing tables of `tables`, one creator at a time: SQLite's write lock, or
    the PostgreSQL advisory lock `lock_key`."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("begin immediate")
        else:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_key)))
        tables.create_all(conn)


def _sqlite_autocommit(dbapi_connection: Any, _record: Any) -> None:
    """Let the store issue BEGIN itself, so writes can use BEGIN IMMEDIATE."""
    dbapi_connection.isolation_level = None


class StateStore:
    """Alert and proposal state: `<folder>/state.db` (SQLite) or a SQLAlchemy database URL."""

    def __init__(self, path: Path | None = None, url: str | sa.URL | None = None) -> None:
        if url is None:
            if path is None:
                raise ValueError("StateStore needs a folder (for state.db) or a database URL")
            path.mkdir(parents=True, exist_ok=True)
            url = sa.URL.create("sqlite", database=str(path / "state.db"))
        self._sqlite = sa.make_url(url).get_backend_name() == "sqlite"
        connect_args = {"timeout": BUSY_TIMEOUT_SECONDS} if self._sqlite else {}
        self.engine = sa.create_engine(url, poolclass=sa.NullPool, connect_args=connect_args)
        if self._sqlite:
            sa.event.listen(self.engine, "connect", _sqlite_autocommit)
            with self.engine.connect() as conn:
                conn.exec_driver_sql("pragma journal_mode = wal")
        create_tables(self.engine, metadata, SCHEMA_LOCK_KEY)
        if self._sqlite:
            with self._transaction(write=True) as conn:
                _adopt_legacy_tables(conn)

    @classmethod
    def for_home(cls, home: ArbHome) -> StateStore:
        """The store at the home's state URL when it has one, else `state.db` in its folder."""
        return cls(None if home.state_url else home.root, url=home.state_url)

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator[sa.Connection]:
        """One transaction; on SQLite a write transaction takes the write lock up front."""
        with self.engine.begin() as conn:
            if self._sqlite:
                conn.exec_driver_sql("begin immediate" if write else "begin")
            yield conn

    def _insert_ignore(self, table: sa.Table) -> Any:
        """INSERT … ON CONFLICT DO NOTHING for this backend."""
        return (sqlite if self._sqlite else postgresql).insert(table).on_conflict_do_nothing()

    def claim_alert(self, search: str, source: str, listing_id: str, price: float | None) -> bool:
        """Record that this listing is being alerted for `search`; True only the first time,
        or when an earlier claim was never delivered within CLAIM_LEASE (its run crashed)."""
        key = (
            (alerts.c.search == search)
            & (alerts.c.source == source)
            & (alerts.c.listing_id == listing_id)
        )
        now = _now()
        with self._transaction(write=True) as conn:
            result = conn.execute(
                self._insert_ignore(alerts).values(
                    search=search, source=source, listing_id=listing_id, price=price, alerted_at=now
                )
            )
            if result.rowcount == 1:
                return True
            result = conn.execute(
                alerts.update().where(key & _abandoned(now)).values(price=price, alerted_at=now)
            )
            return result.rowcount == 1

    def record_destination(
        self, search: str, source: str, listing_id: str, destination: str
    ) -> None:
        """Store where a claimed alert was delivered; KeyError if it was never claimed."""
        key = (alerts.c.search == search) & (alerts.c.source == source)
        with self._transaction(write=True) as conn:
            result = conn.execute(
                alerts.update()
                .where(key & (alerts.c.listing_id == listing_id))
                .values(destination=destination)
            )
            if result.rowcount == 0:
                raise KeyError(f"no alert claimed for search {search!r}, {source}/{listing_id}")

    def alerted(self, search: str) -> set[tuple[str, str]]:
        """The (source, listing_id) pairs already alerted for `search`."""
        return set(self.destinations(search))

    def destinations(self, search: str) -> dict[tuple[str, str], str | None]:
        """Where each alert of `search` went, by (source, listing_id); None if undelivered."""
        query = sa.select(alerts.c.source, alerts.c.listing_id, alerts.c.destination).where(
            alerts.c.search == search
        )
        with self._transaction() as conn:
            return {(row.source, row.listing_id): row.destination for row in conn.execute(query)}

    def alerted_prices(self, search: str) -> dict[tuple[str, str], float | None]:
        """The price each listing had when `search` last alerted it (abandoned claims left out)."""
        query = sa.select(alerts.c.source, alerts.c.listing_id, alerts.c.price).where(
            (alerts.c.search == search) & ~_abandoned(_now())
        )
        with self._transaction() as conn:
            return {(row.source, row.listing_id): row.price for row in conn.execute(query)}

    def alerted_between(self, search: str, start: datetime, end: datetime) -> list[tuple[str, str]]:
        """(source, listing_id) of the alerts `search` sent in [start, end)."""
        query = sa.select(alerts.c.source, alerts.c.listing_id).where(
            (alerts.c.search == search)
            & (alerts.c.alerted_at >= start)
            & (alerts.c.alerted_at < end)
        )
        with self._transaction() as conn:
            return [(row.source, row.listing_id) for row in conn.execute(query)]

    def alert_times(self) -> list[dict[str, Any]]:
        """Every alert's search and alerted_at (ISO 8601 UTC), oldest first."""
        query = sa.select(alerts.c.search, alerts.c.alerted_at).order_by(alerts.c.alerted_at)
        with self._transaction() as conn:
            return [_plain(row) for row in conn.execute(query).mappings()]

    def claim_realert(
        self, search: str, source: str, listing_id: str, price: float, drop_pct: float
    ) -> float | None:
        """Claim a re-alert when the price fell `drop_pct`% below the last alerted price;
        return that previous price, or None when it is not due (or already claimed)."""
        key = (
            (alerts.c.search == search)
            & (alerts.c.source == source)
            & (alerts.c.listing_id == listing_id)
        )
        with self._transaction(write=True) as conn:
            previous = conn.execute(sa.select(alerts.c.price).where(key).with_for_update())
            previous = previous.scalar_one_or_none()
            if not realert_due(previous, price, drop_pct):
                return None
            result = conn.execute(
                alerts.update()
                .where(key & (alerts.c.price == previous))
                .values(price=price, alerted_at=_now(), destination=None)
            )
            return previous if result.rowcount == 1 else None

    def release_alert(
        self, search: str, source: str, listing_id: str, previous_price: float | None = None
    ) -> None:
        """Undo a claim whose delivery failed, so a later run sends it: forget a first alert,
        or restore the price alerted before a re-alert."""
        key = (
            (alerts.c.search == search)
            & (alerts.c.source == source)
            & (alerts.c.listing_id == listing_id)
        )
        with self._transaction(write=True) as conn:
            if previous_price is None:
                conn.execute(alerts.delete().where(key))
            else:
                # the first alert was delivered: its claim must not lapse like a crashed one
                restored = {"price": previous_price, "destination": "re-alert not delivered"}
                conn.execute(alerts.update().where(key).values(**restored))

    def create_proposal(self, opportunity: dict[str, Any]) -> int:
        """Create a pending purchase proposal for an opportunity and return its id; a re-alert
        (price drop) renews a pending or expired proposal with the new figures, pending again
        from now; approved, rejected and purchased ones stay as they are."""
        key = {
            "search": opportunity["search"],
            "source": opportunity["source"],
            "listing_id": str(opportunity["listing_id"]),
        }
        figures = {
            "title": opportunity.get("title"),
            "url": opportunity.get("url"),
            "price": opportunity.get("price"),
            "currency": opportunity.get("currency"),
            "max_offer": opportunity.get("max_offer"),
            "expected_profit": opportunity.get("profit"),
        }
        insert = (sqlite if self._sqlite else postgresql).insert(proposals)
        fresh = {**figures, "status": "pending", "created_at": _now()}
        upsert = insert.values(**key, **fresh).on_conflict_do_update(
            index_elements=list(key),
            set_={**fresh, "decided_at": None, "reason": None},
            where=proposals.c.status.in_(("pending", "expired")),
        )
        with self._transaction(write=True) as conn:
            conn.execute(upsert)
            where = [proposals.c[name] == value for name, value in key.items()]
            return int(conn.execute(sa.select(proposals.c.id).where(*where)).scalar_one())

    def list_proposals(self, status: str | None = None) -> list[dict[str, Any]]:
        """All proposals (oldest first), optionally only those with `status`."""
        query = sa.select(proposals).order_by(proposals.c.id)
        if status is not None:
            _check_status(status)
            query = query.where(proposals.c.status == status)
        with self._transaction() as conn:
            return [_plain(row) for row in conn.execute(query).mappings()]

    def get_proposal(self, proposal_id: int) -> dict[str, Any]:
        """One proposal by id; KeyError if there is none."""
        with self._transaction() as conn:
            return self._get(conn, proposal_id)

    def approve(
        self, proposal_id: int, budgets: Budgets, amount: float | None = None
    ) -> dict[str, Any]:
        """Approve a pending proposal for `amount` (default: its price) if every budget allows."""
        with self._transaction(write=True) as conn:
            if not self._sqlite:  # SQLite's BEGIN IMMEDIATE already serialises approvals
                conn.execute(self._insert_ignore(locks).values(name=BUDGET_LOCK))
                conn.execute(
                    sa.select(locks.c.name).where(locks.c.name == BUDGET_LOCK).with_for_update()
                )
            proposal = self._in_status(conn, proposal_id, "pending", "approved")
            amount = proposal["price"] if amount is None else float(amount)
            if amount is None or amount <= 0:
                raise ValueError(f"proposal {proposal_id} has no price; give a positive amount")
            now = _now()
            midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
            budgets.check(amount, self._committed(conn, since=midnight), self._committed(conn))
            return self._decide(
                conn, proposal_id, status="approved", approved_amount=amount, decided_at=now
            )

    def reject(self, proposal_id: int, reason: str | None = None) -> dict[str, Any]:
        """Reject a pending proposal, with an optional reason."""
        with self._transaction(write=True) as conn:
            self._in_status(conn, proposal_id, "pending", "rejected")
            return self._decide(
                conn, proposal_id, status="rejected", reason=reason, decided_at=_now()
            )

    def mark_purchased(self, proposal_id: int, note: str | None = None) -> dict[str, Any]:
        """Record that the user bought an approved proposal (its approval day keeps the spend)."""
        with self._transaction(write=True) as conn:
            self._in_status(conn, proposal_id, "approved", "marked purchased")
            return self._decide(conn, proposal_id, status="purchased", reason=note)

    def expire(self, older_than: timedelta, live: set[tuple[str, str]] | None) -> int:
        """Expire pending proposals whose listing is not in `live` (source, listing_id; None:
        unknown, skip that check) or that are older than `older_than`; return how many."""
        now = _now()
        expired = 0
        with self._transaction(write=True) as conn:
            pending = conn.execute(
                sa.select(
                    proposals.c.id,
                    proposals.c.source,
                    proposals.c.listing_id,
                    proposals.c.created_at,
                )
                .where(proposals.c.status == "pending")
                .with_for_update()
            )
            for row in pending.all():
                created = (
                    row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
                )
                if live is not None and (row.source, row.listing_id) not in live:
                    reason = "listing no longer active"
                elif now - created > older_than:
                    reason = f"stale: pending more than {older_than / timedelta(days=1):g} day(s)"
                else:
                    continue
                self._decide(conn, row.id, status="expired", reason=reason, decided_at=now)
                expired += 1
        return expired

    def _get(self, conn: sa.Connection, proposal_id: int, lock: bool = False) -> dict[str, Any]:
        """One proposal (row-locked on PostgreSQL when `lock`); KeyError if unknown."""
        query = sa.select(proposals).where(proposals.c.id == proposal_id)
        row = conn.execute(query.with_for_update() if lock else query).mappings().first()
        if row is None:
            raise KeyError(f"no proposal with id {proposal_id}")
        return _plain(row)

    def _in_status(
        self, conn: sa.Connection, proposal_id: int, status: str, action: str
    ) -> dict[str, Any]:
        """The locked proposal, or WrongStatus unless it has `status`."""
        proposal = self._get(conn, proposal_id, lock=True)
        if proposal["status"] != status:
            raise WrongStatus(
                f"proposal {proposal_id} is {proposal['status']}; "
                f"only {status} proposals can be {action}"
            )
        return proposal

    def _decide(self, conn: sa.Connection, proposal_id: int, **values: Any) -> dict[str, Any]:
        """Write a decision and return the updated proposal."""
        conn.execute(proposals.update().where(proposals.c.id == proposal_id).values(**values))
        return self._get(conn, proposal_id)

    def _committed(self, conn: sa.Connection, since: datetime | None = None) -> float:
        """Sum of approved amounts still committed (approved or purchased), optionally since."""
        query = sa.select(sa.func.coalesce(sa.func.sum(proposals.c.approved_amount), 0.0)).where(
            proposals.c.status.in_(COMMITTED_STATUSES)
        )
        if since is not None:
            query = query.where(proposals.c.decided_at >= since)
        return float(conn.execute(query).scalar_one())


def _abandoned(now: datetime) -> sa.ColumnElement[bool]:
    """Claims never marked delivered, older than CLAIM_LEASE: their run died mid-delivery."""
    return alerts.c.destination.is_(None) & (alerts.c.alerted_at < now - CLAIM_LEASE)


def _adopt_legacy_tables(conn: sa.Connection) -> None:
    """Move rows of the pre-SQLAlchemy `alerts`/`proposals` tables into arb_* (SQLite, once)."""
    names = set(sa.inspect(conn).get_table_names())
    ts = "substr(replace({}, 'T', ' '), 1, 19)"
    if "alerts" in names:
        conn.exec_driver_sql(
            "insert or ignore into arb_alerts"
            " (search, source, listing_id, price, alerted_at, destination)"
            f" select search, source, listing_id, price, {ts.format('alerted_at')}, destination"
            " from alerts"
        )
        conn.exec_driver_sql("drop table alerts")
    if "proposals" in names:
        columns = "id, search, source, listing_id, title, url, price, currency, max_offer"
        conn.exec_driver_sql(
            f"insert or ignore into arb_proposals ({columns}, expected_profit, status,"
            " created_at, decided_at, reason)"
            f" select {columns}, expected_profit, status, {ts.format('created_at')},"
            f" {ts.format('decided_at')}, reason from proposals"
        )
        conn.exec_driver_sql("drop table proposals")
