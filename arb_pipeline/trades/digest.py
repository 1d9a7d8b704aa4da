"""The daily digest's inventory lines: items held longer than the days to sell predicted when
they were bought, so a reseller reprices or relists them before they tie up more money."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import duckdb

OVERDUE_SQL = """
select trade_id, title, currency, days_held, pred_days_to_sell, cost::double as cost,
       listed_marketplace, listed_price::double as listed_price, repriced_p50,
       unrealized_profit
from mart_inventory
where past_predicted_days
order by days_held - pred_days_to_sell desc, trade_id
"""


def overdue_inventory(warehouse: Path) -> list[dict[str, Any]]:
    """Open trades past their predicted days to sell, most overdue first; none before the
    warehouse has the inventory mart."""
    if not warehouse.exists():
        return []
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        try:
            result = conn.sql(OVERDUE_SQL)
        except duckdb.CatalogException:
            return []
        return [dict(zip(result.columns, row, strict=True)) for row in result.fetchall()]


def _line(item: dict[str, Any]) -> str:
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
        *(f"- {_line(item)}" for item in items),
    ]


def inventory_html(items: list[dict[str, Any]]) -> str:
    """The same section as escaped HTML."""
    if not items:
        return ""
    entries = "".join(f"<li>{html.escape(_line(item))}</li>" for item in items)
    return (
        f"<h3>Open inventory past its predicted days to sell ({len(items)})</h3><ul>{entries}</ul>"
    )
