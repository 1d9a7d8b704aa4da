"""Alert email rendering: structure, subject, figures and escaping of marketplace text."""

from __future__ import annotations

import email
import email.policy
from typing import Any

import pytest

from arb_pipeline.alerts.email import render_alert


def make_opportunity(**overrides: Any) -> dict[str, Any]:
    """A realistic opportunity dict; keyword arguments override fields."""
    opportunity: dict[str, Any] = {
        "search": "iphone-13",
        "source": "sandbox_market",
        "listing_id": "L-1001",
        "title": "iPhone 13 128GB",
        "url": "https://market.example/item/L-1001",
        "image_url": "https://img.example/L-1001.jpg",
        "price": 210.0,
        "currency": "USD",
        "shipping_price": 12.5,
        "landed_cost": 222.5,
        "pred_p10": 380.0,
        "pred_p50": 440.0,
        "pred_p90": 495.0,
        "exit_marketplace": "ebay",
        "exit_fees": 57.5,
        "profit": 180.0,
        "profit_p10": 100.0,
        "margin": 0.409,
        "roi": 0.809,
        "max_offer": 260.0,
        "confidence": "high",
        "comps_count": 42,
        "condition": "good",
    }
    opportunity.update(overrides)
    return opportunity


def parse(message: email.message.EmailMessage) -> email.message.EmailMessage:
    """Round-trip the message through bytes, as a mail client would receive it."""
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def bodies(message: email.message.EmailMessage) -> tuple[str, str]:
    """The (plain, html) bodies of a parsed message."""
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


def test_message_is_multipart_alternative_with_headers() -> None:
    msg = parse(render_alert(make_opportunity(), "Arb <alerts@arb.example>", ["me@example.com"]))
    assert msg.get_content_type() == "multipart/alternative"
    types = [part.get_content_type() for part in msg.iter_parts()]
    assert types == ["text/plain", "text/html"]
    for header in ("Subject", "From", "To", "Date", "Message-ID"):
        assert msg[header], header
    assert msg["From"].addresses[0].addr_spec == "alerts@arb.example"
    assert msg["Message-ID"].endswith("@arb.example>")


def test_subject_names_item_price_and_profit() -> None:
    msg = render_alert(make_opportunity(), "alerts@arb.example", ["a@x.com", "b@y.com"])
    assert msg["Subject"] == "Deal: iPhone 13 128GB at USD 210.00, profit ~USD 180.00"
    assert [a.addr_spec for a in parse(msg)["To"].addresses] == ["a@x.com", "b@y.com"]


def test_bodies_show_the_figures_a_buyer_needs() -> None:
    msg = parse(render_alert(make_opportunity(), "alerts@arb.example", ["me@example.com"]))
    for body in bodies(msg):
        for expected in (
            "USD 210.00",
            "USD 222.50",
            "USD 380.00 – USD 440.00 – USD 495.00",
            "ebay",
            "USD 57.50",
            "USD 180.00",
            "USD 100.00",
            "40.9%",
            "80.9%",
            "high",
            "42 comps",
            "USD 260.00",
            "https://market.example/item/L-1001",
            "No purchase is made automatically",
        ):
            assert expected in body, (expected, body)
    _, html = bodies(msg)
    assert '<img src="https://img.example/L-1001.jpg"' in html


def test_missing_image_and_shipping_are_fine() -> None:
    opp = make_opportunity(image_url=None, shipping_price=None)
    plain, html = bodies(parse(render_alert(opp, "alerts@arb.example", ["me@example.com"])))
    assert "<img" not in html
    assert "Photo:" not in plain


def test_untrusted_marketplace_text_is_escaped_in_html() -> None:
    opp = make_opportunity(
        title='Phone <script>alert("x")</script>\nBcc: victim@example.com',
        url="javascript:alert(1)",
        exit_marketplace="<b>ebay</b>",
    )
    msg = parse(render_alert(opp, "alerts@arb.example", ["me@example.com"]))
    _, html = bodies(msg)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b>ebay</b>" not in html
    assert 'href="javascript:' not in html
    assert msg["Bcc"] is None
    assert "\n" not in msg["Subject"]


def test_needs_a_recipient() -> None:
    with pytest.raises(ValueError, match="recipient"):
        render_alert(make_opportunity(), "alerts@arb.example", [])


def test_bodies_show_days_to_sell_profit_per_day_and_the_runner_up_exit() -> None:
    opp = make_opportunity(
        expected_days_to_sell=6.4,
        sell_probability_30d=0.9908,
        profit_per_day=28.13,
        runner_up_exit="mercari",
        runner_up_profit=171.2,
    )
    for body in bodies(parse(render_alert(opp, "alerts@arb.example", ["me@example.com"]))):
        for expected in (
            "~6 days, 99% chance within 30 days",
            "USD 28.13",
            "mercari, profit USD 171.20",
        ):
            assert expected in body, (expected, body)
