"""Tell the operator when a run fails: one email per failing asset per hour at most."""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from arb_pipeline.alerts.delivery import deliver
from arb_pipeline.alerts.email import build_message

QUIET_PERIOD = timedelta(hours=1)


def notify_failure(
    state_file: Path,
    failing: list[str],
    run_id: str,
    error: str,
    now: datetime,
    send: Callable[[str, str], object],
) -> list[str]:
    """Send (through `send(subject, text)`) for the failing names not mailed in the last
    hour; remember when each was mailed; return the names mailed now."""
    seen = json.loads(state_file.read_text()) if state_file.exists() else {}
    due = [
        name
        for name in failing
        if name not in seen or now - datetime.fromisoformat(seen[name]) >= QUIET_PERIOD
    ]
    if not due:
        return []
    send(
        f"Run failed: {', '.join(due)}",
        f"Run {run_id} failed.\n\nFailing: {', '.join(due)}\n\n{error}\n",
    )
    seen.update({name: now.isoformat() for name in due})
    temp = state_file.with_suffix(".tmp")
    temp.write_text(json.dumps(seen, indent=1))
    os.replace(temp, state_file)
    return due


def email_sender(
    outbox: Path, sender: str, recipients: list[str], api_key: str | None, host: str | None
) -> Callable[[str, str], str]:
    """A `send(subject, text)` that emails the operator's `recipients` (SendGrid or an .eml in
    the outbox)."""

    def send(subject: str, text: str) -> str:
        body = f"<pre>{html.escape(text)}</pre>"
        message = build_message(subject, text, body, sender, recipients)
        return deliver(message, outbox, api_key, host)

    return send
