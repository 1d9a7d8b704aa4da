"""Render an opportunity as an alert email (plain text + HTML alternative)."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any
from urllib.parse import urlsplit

NO_AUTO_PURCHASE = "No purchase is made automatically: review the listing and decide yourself."


def _money(value: Any, currency: str) -> str:
    """Format an amount with 2 decimals and the currency code, or 'n/a'."""
    return "n/a" if value is None else f"{currency} {float(value):.2f}"


def _percent(value: Any) -> str:
    """Format a fraction as a percentage with one decimal, or 'n/a'."""
    return "n/a" if value is None else f"{float(value) * 100:.1f}%"


def _one_line(text: Any, limit: int = 80) -> str:
    """Collapse whitespace (no header injection) and shorten to `limit` characters."""
    flat = " ".join(str(text or "").split()) or "(untitled)"
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _safe_url(url: Any) -> str | None:
    """Return the URL only when it is http(s), so no javascript: links reach the email."""
    if not url or urlsplit(str(url)).scheme.lower() not in {"http", "https"}:
        return None
    return str(url)


def _rows(o: dict[str, Any]) -> list[tuple[str, str]]:
    """The labelled figures shown in both bodies, as plain (unescaped) text."""
    cur = str(o.get("currency") or "")
    shipping = o.get("shipping_price")
    price = _money(o.get("price"), cur)
    if shipping is not None:
        price += f" + {_money(shipping, cur)} shipping"
    resale = " – ".join(_money(o.get(k), cur) for k in ("pred_p10", "pred_p50", "pred_p90"))
    rows = [
        ("Source", f"{o.get('source', '')} (listing {o.get('listing_id', '')})"),
        ("Search", str(o.get("search", ""))),
        ("Condition", str(o.get("condition") or "unknown")),
        ("Asking price", price),
        ("Landed cost", _money(o.get("landed_cost"), cur)),
        ("Predicted resale (p10 – p50 – p90)", resale),
        ("Exit", f"{o.get('exit_marketplace', '')}, fees {_money(o.get('exit_fees'), cur)}"),
        ("Expected profit", _money(o.get("profit"), cur)),
        ("Conservative profit (at p10)", _money(o.get("profit_p10"), cur)),
        ("Days to sell", _days(o)),
        ("Profit per day", _money(o.get("profit_per_day"), cur)),
        ("Margin", _percent(o.get("margin"))),
        ("ROI", _percent(o.get("roi"))),
        ("Confidence", f"{o.get('confidence', 'n/a')} ({int(o.get('comps_count') or 0)} comps)"),
        ("Suggested max offer", _money(o.get("max_offer"), cur)),
    ]
    if o.get("runner_up_exit"):
        runner_up = f"{o['runner_up_exit']}, profit {_money(o.get('runner_up_profit'), cur)}"
        rows.insert(
            rows.index(("Expected profit", _money(o.get("profit"), cur))),
            ("Runner-up exit", runner_up),
        )
    if o.get("previous_price") is not None:
        rows.insert(3, ("Price drop", f"was {_money(o['previous_price'], cur)}, alerted before"))
    if o.get("vetted_by"):
        rows.append(("Vetted by", f"{o['vetted_by']}: {o.get('vetting_note') or 'looks genuine'}"))
    return rows


def _days(o: dict[str, Any]) -> str:
    """Expected days to sell at the exit and the chance of a sale within 30 days."""
    days, chance = o.get("expected_days_to_sell"), o.get("sell_probability_30d")
    if days is None:
        return "n/a"
    within = f", {float(chance):.0%} chance within 30 days" if chance is not None else ""
    return f"~{float(days):.0f} days{within}"


def render_subject(opportunity: dict[str, Any]) -> str:
    """One-line subject naming the item, asking price and expected profit."""
    cur = str(opportunity.get("currency") or "")
    kind = "Price drop" if opportunity.get("previous_price") is not None else "Deal"
    return (
        f"{kind}: {_one_line(opportunity.get('title'))} at "
        f"{_money(opportunity.get('price'), cur)}"
        f", profit ~{_money(opportunity.get('profit'), cur)}"
    )


def _text_body(o: dict[str, Any], rows: list[tuple[str, str]]) -> str:
    """The plain-text body."""
    lines = [_one_line(o.get("title"), 300), ""]
    lines += [f"{label}: {value}" for label, value in rows]
    lines += ["", f"Listing: {o.get('url', '')}"]
    if o.get("image_url"):
        lines.append(f"Photo: {o['image_url']}")
    return "\n".join([*lines, "", NO_AUTO_PURCHASE, ""])


def _html_body(o: dict[str, Any], rows: list[tuple[str, str]]) -> str:
    """The HTML body; every marketplace-supplied string is escaped."""
    esc = html.escape
    title = esc(_one_line(o.get("title"), 300))
    url, image = _safe_url(o.get("url")), _safe_url(o.get("image_url"))
    parts = [f"<html><body><h2>{title}</h2>"]
    if image:
        parts.append(f'<p><img src="{esc(image)}" alt="{title}" style="max-width:320px"></p>')
    parts.append("<table>")
    parts += [f"<tr><th align='left'>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows]
    parts.append("</table>")
    if url:
        parts.append(f'<p><a href="{esc(url)}">Open the listing</a></p>')
    else:
        parts.append(f"<p>Listing: {esc(str(o.get('url', '')))}</p>")
    parts.append(f"<p><strong>{esc(NO_AUTO_PURCHASE)}</strong></p></body></html>")
    return "\n".join(parts)


def build_message(
    subject: str, text: str, html_body: str, sender: str, recipients: list[str]
) -> EmailMessage:
    """An RFC 5322 message with a plain-text part and an HTML alternative."""
    if not recipients:
        raise ValueError("an email needs at least one recipient")
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = format_datetime(datetime.now(UTC))
    domain = parseaddr(sender)[1].rpartition("@")[2] or "arb-pipeline.local"
    msg["Message-ID"] = make_msgid(idstring="arb", domain=domain)
    msg.set_content(text)
    msg.add_alternative(html_body, subtype="html")
    return msg


def render_alert(opportunity: dict[str, Any], sender: str, recipients: list[str]) -> EmailMessage:
    """Build the RFC 5322 alert email for one opportunity (text + HTML alternative)."""
    rows = _rows(opportunity)
    return build_message(
        render_subject(opportunity),
        _text_body(opportunity, rows),
        _html_body(opportunity, rows),
        sender,
        recipients,
    )


def render_digest(
    search: str,
    deals: list[dict[str, Any]],
    day: str,
    sender: str,
    recipients: list[str],
    overdue: list[dict[str, Any]] | None = None,
) -> EmailMessage:
    """The daily digest of one search: every deal it alerted that day, best profit first,
    then the open inventory held past its predicted days to sell."""
    deals = sorted(deals, key=lambda d: -(d.get("profit") or 0))
    subject = f"Digest {day}: {len(deals)} deal(s) for {_one_line(search)}"
    lines = [
        f"{_one_line(d.get('title'))}: {_money(d.get('price'), str(d.get('currency') or ''))}, "
        f"profit ~{_money(d.get('profit'), str(d.get('currency') or ''))} "
        f"({_percent(d.get('margin'))}) {d.get('url') or ''}"
        for d in deals
    ] or ["No deals today."]
    items = "".join(
        f"<li>{html.escape(_one_line(d.get('title')))}: "
        f"{html.escape(_money(d.get('price'), str(d.get('currency') or '')))}, profit "
        f"{html.escape(_money(d.get('profit'), str(d.get('currency') or '')))}"
        + (f' <a href="{html.escape(url)}">listing</a>' if (url := _safe_url(d.get("url"))) else "")
        + "</li>"
        for d in deals
    )
    text = "\n".join([subject, "", *lines, *inventory_text(overdue or []), "", NO_AUTO_PURCHASE])
    body = (
        f"<html><body><h2>{html.escape(subject)}</h2><ul>{items or '<li>No deals today.</li>'}</ul>"
        f"{inventory_html(overdue or [])}<p>{html.escape(NO_AUTO_PURCHASE)}</p></body></html>"
    )
    return build_message(subject, text, body, sender, recipients)


def _inventory_line(item: dict[str, Any]) -> str:
    """One item in words: what, how long against the prediction, cost, where listed, today's
    value and what selling at it would make."""
    currency = item["currency"]
    parts = [
        f"{' '.join(str(item['title']).split())[:80]} (trade {item['trade_id']}): held "
        f"{item['days_held']} days, predicted to sell in {item['pred_days_to_sell']:.0f}",
        f"cost {currency} {item['cost']:.2f}",
    ]
    if item["listed_marketplace"]:
        parts.append(f"listed on {item['listed_marketplace']} at {item['listed_price']:.2f}")
    else:
        parts.append("not listed yet")
    if item["repriced_p50"] is not None:
        parts.append(
            f"worth ~{item['repriced_p50']:.2f} today ({item['unrealized_profit']:+.2f} if sold)"
        )
    return ", ".join(parts)


def inventory_text(items: list[dict[str, Any]]) -> list[str]:
    """The digest's plain-text inventory section; nothing when no item is overdue."""
    if not items:
        return []
    return [
        "",
        f"Open inventory past its predicted days to sell ({len(items)}):",
        *(f"- {_inventory_line(item)}" for item in items),
    ]


def inventory_html(items: list[dict[str, Any]]) -> str:
    """The same section as escaped HTML."""
    if not items:
        return ""
    entries = "".join(f"<li>{html.escape(_inventory_line(item))}</li>" for item in items)
    return (
        f"<h3>Open inventory past its predicted days to sell ({len(items)})</h3><ul>{entries}</ul>"
    )
