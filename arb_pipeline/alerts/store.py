"""SQLite state for alerts (at-most-once) and purchase proposals, shared by sensors and CLI."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROPOSAL_STATUSES = ("pending", "approved", "rejected", "expired", "purchased")
BUSY_TIMEOUT_SECONDS = 30.0

_SCHEMA = """
create table if not exists alerts (
    search text not null,
    source text not null,
    listing_id text not null,
    price real,
    alerted_at text not null,
    destination text,
    primary key (search, source, listing_id)
);
create table if not exists proposals (
    id integer primary key,
    search text not null,
    source text not null,
    listing_id text not null,
    title text,
    url text,
    price real,
    currency text,
    max_offer real,
    expected_profit real,
    status text not null default 'pending',
    created_at text not null,
    decided_at text,
    reason text,
    unique (search, source, listing_id)
);
"""


def _now() -> str:
    """Current UTC time as ISO 8601 text."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _check_status(status: str) -> None:
    """Raise ValueError for a status outside PROPOSAL_STATUSES."""
    if status not in PROPOSAL_STATUSES:
        raise ValueError(
            f"unknown status {status!r}; expected one of {', '.join(PROPOSAL_STATUSES)}"
        )


class StateStore:
    """Alert and proposal state in `<folder>/state.db` (WAL, busy timeout, per-call connections)."""

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.db_path = path / "state.db"
        with self._connect() as conn:
            conn.execute("pragma journal_mode = wal")
            conn.executescript(f"begin immediate;\n{_SCHEMA}\ncommit;")

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A short-lived connection; with write=True, one IMMEDIATE transaction."""
        conn = sqlite3.connect(self.db_path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute(f"pragma busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            if write:
                conn.execute("begin immediate")
            yield conn
            if conn.in_transaction:
                conn.execute("commit")
        except BaseException:
            if conn.in_transaction:
                conn.execute("rollback")
            raise
        finally:
            conn.close()

    def claim_alert(self, search: str, source: str, listing_id: str, price: float | None) -> bool:
        """Record that this listing is being alerted for `search`; True only the first time."""
        with self._connect(write=True) as conn:
            cur = conn.execute(
                "insert or ignore into alerts (search, source, listing_id, price, alerted_at)"
                " values (?, ?, ?, ?, ?)",
                (search, source, listing_id, price, _now()),
            )
            return cur.rowcount == 1

    def record_destination(
        self, search: str, source: str, listing_id: str, destination: str
    ) -> None:
        """Store where a claimed alert was delivered; KeyError if it was never claimed."""
        with self._connect(write=True) as conn:
            cur = conn.execute(
                "update alerts set destination = ?"
                " where search = ? and source = ? and listing_id = ?",
                (destination, search, source, listing_id),
            )
            if cur.rowcount == 0:
                raise KeyError(f"no alert claimed for search {search!r}, {source}/{listing_id}")

    def alerted(self, search: str) -> set[tuple[str, str]]:
        """The (source, listing_id) pairs already alerted for `search`."""
        return set(self.destinations(search))

    def destinations(self, search: str) -> dict[tuple[str, str], str | None]:
        """Where each alert of `search` went, by (source, listing_id); None if undelivered."""
        with self._connect() as conn:
            rows = conn.execute(
                "select source, listing_id, destination from alerts where search = ?", (search,)
            )
            return {(row["source"], row["listing_id"]): row["destination"] for row in rows}

    def create_proposal(self, opportunity: dict[str, Any]) -> int:
        """Create a pending purchase proposal for an opportunity (idempotent); return its id."""
        key = (opportunity["search"], opportunity["source"], str(opportunity["listing_id"]))
        with self._connect(write=True) as conn:
            conn.execute(
                "insert or ignore into proposals (search, source, listing_id, title, url, price,"
                " currency, max_offer, expected_profit, created_at)"
                " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *key,
                    opportunity.get("title"),
                    opportunity.get("url"),
                    opportunity.get("price"),
                    opportunity.get("currency"),
                    opportunity.get("max_offer"),
                    opportunity.get("profit"),
                    _now(),
                ),
            )
            row = conn.execute(
                "select id from proposals where search = ? and source = ? and listing_id = ?", key
            ).fetchone()
            return int(row["id"])

    def list_proposals(self, status: str | None = None) -> list[dict[str, Any]]:
        """All proposals (oldest first), optionally only those with `status`."""
        with self._connect() as conn:
            if status is None:
                rows = conn.execute("select * from proposals order by id")
            else:
                _check_status(status)
                rows = conn.execute(
                    "select * from proposals where status = ? order by id", (status,)
                )
            return [dict(row) for row in rows]

    def set_status(
        self, proposal_id: int, status: str, reason: str | None = None
    ) -> dict[str, Any]:
        """Change a proposal's status (and reason); return the updated proposal."""
        _check_status(status)
        decided_at = None if status == "pending" else _now()
        with self._connect(write=True) as conn:
            cur = conn.execute(
                "update proposals set status = ?, reason = ?, decided_at = ? where id = ?",
                (status, reason, decided_at, proposal_id),
            )
            if cur.rowcount == 0:
                raise KeyError(f"no proposal with id {proposal_id}")
            row = conn.execute("select * from proposals where id = ?", (proposal_id,)).fetchone()
            return dict(row)
