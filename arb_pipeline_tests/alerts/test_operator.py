"""Operator emails about failed runs: at most one per failing asset per hour."""

from datetime import UTC, datetime, timedelta

from arb_pipeline.alerts.operator import email_sender, notify_failure

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_one_email_per_failing_asset_per_hour(tmp_path) -> None:
    sent: list[str] = []
    state = tmp_path / "operator_alerts.json"

    def send(subject: str, text: str) -> None:
        sent.append(subject)

    assert notify_failure(state, ["raw_listings"], "r1", "boom", NOW, send) == ["raw_listings"]
    assert (
        notify_failure(state, ["raw_listings"], "r2", "boom", NOW + timedelta(minutes=30), send)
        == []
    )
    both = notify_failure(
        state, ["raw_listings", "fct_listings"], "r3", "x", NOW + timedelta(minutes=40), send
    )
    assert both == ["fct_listings"]
    assert notify_failure(state, ["raw_listings"], "r4", "boom", NOW + timedelta(hours=1), send)
    assert sent == [
        "Run failed: raw_listings",
        "Run failed: fct_listings",
        "Run failed: raw_listings",
    ]


def test_operator_email_lands_in_the_outbox(tmp_path) -> None:
    send = email_sender(tmp_path / "outbox", "arb@localhost", ["ops@example.com"], None, None)
    notify_failure(tmp_path / "state.json", ["resale_model"], "r1", "<b>bad</b>", NOW, send)
    (eml,) = (tmp_path / "outbox").glob("*.eml")
    text = eml.read_text()
    assert "To: ops@example.com" in text and "Run failed: resale_model" in text
    assert "&lt;b&gt;bad&lt;/b&gt;" in text
