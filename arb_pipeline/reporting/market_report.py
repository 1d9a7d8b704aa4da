"""The market report: one self-contained HTML page of Plotly charts and the best opportunities.

plotly.js is embedded inline, so the page opens offline. A chart whose data is missing (an
empty or not yet built table) shows a "no data yet" note instead.
"""

import html
import os
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import plotly.graph_objects as go

from arb_pipeline.alerts.store import COMMITTED_STATUSES, StateStore
from arb_pipeline.warehouse import query

DEAL_MARGIN = 0.25  # a non-excluded opportunity with at least this margin is a deal
TOP_OPPORTUNITIES = 25
TOP_PRODUCTS = 10
LIVE = "exclusion_reason is null"
DAY_MS = 86_400_000

# deals only: summing every listing's profit (mostly non-deals) showed every category at a loss
DEALS_BY_CATEGORY_SQL = f"""
select coalesce(category_raw, 'uncategorised') as category,
       count(*) as deals,
       sum(profit_reporting)::double as total_profit,
       median(profit_reporting)::double as median_profit,
       any_value(reporting_currency) as currency
from fct_opportunities
where {LIVE} and margin >= {DEAL_MARGIN} and profit_reporting > 0
group by category order by total_profit desc
"""
ASKING_VS_PREDICTED_SQL = f"""
select title, price::double as price, pred_p50::double as pred_p50, currency,
       coalesce({LIVE} and margin >= {DEAL_MARGIN}, false) as deal
from fct_opportunities where price is not null and pred_p50 is not null
"""
MARGIN_TREND_SQL = f"""
select listings.first_seen_on as day, median(opportunities.margin)::double as median_margin,
       count(*) as opportunities
from fct_opportunities as opportunities
inner join fct_listings as listings using (listing_key)
where opportunities.{LIVE} and opportunities.margin is not null
group by day order by day
"""
SOLD_PRICES_SQL = f"""
with top as (
    select product_id, count(*) as comps from fct_sold_comps
    where price_reporting is not null group by product_id
    order by comps desc, product_id limit {TOP_PRODUCTS}
)
select comps.product_id, comps.price_reporting::double as price, comps.reporting_currency
from fct_sold_comps as comps inner join top using (product_id)
where comps.price_reporting is not null
order by top.comps desc, comps.product_id
"""
REALIZED_VS_PREDICTED_SQL = """
select title, pred_p10, pred_p50, pred_p90, proceeds::double as sold_price, currency,
       within_interval, pred_exit_marketplace as exit_marketplace
from fct_trades
where status = 'sold' and pred_p50 is not null
order by pred_p50
"""
PROFIT_BY_MONTH_SQL = """
select strftime(date_trunc('month', sold_at), '%Y-%m') as month,
       sum(realized_profit_reporting)::double as profit, count(*) as trades,
       any_value(reporting_currency) as currency
from fct_trades where status = 'sold' and realized_profit_reporting is not null
group by month order by month
"""
INVENTORY_AGING_SQL = """
select inventory.aging_bucket, inventory.past_predicted_days, count(*) as items,
       sum(inventory.cost * trades.fx_to_reporting)::double as cost,
       any_value(inventory.reporting_currency) as currency
from mart_inventory as inventory inner join fct_trades as trades using (trade_id)
group by all order by all
"""
AGING_BUCKETS = ["0-30", "31-60", "61-90", "90+"]
TOP_OPPORTUNITIES_SQL = f"""
select title, url, source, price::double as price, currency, pred_p50::double as pred_p50,
       profit_reporting::double as profit, reporting_currency, margin::double as margin,
       confidence
from fct_opportunities where {LIVE} and profit_reporting is not null
order by profit_reporting desc, listing_key limit {TOP_OPPORTUNITIES}
"""
# how the listings' products were identified (arb_pipeline.products), most common first
IDENTITY_SQL = """
select identified_by, count(*) as listings, count(distinct product_id) as products
from fct_listings group by identified_by order by listings desc, identified_by
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Market report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }}
section {{ margin-bottom: 2.5rem; }}
.no-data {{ padding: 2rem; background: #f4f4f4; color: #666; text-align: center; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.9rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left; }}
td.num {{ text-align: right; white-space: nowrap; }}
</style></head>
<body>
<h1>Market report</h1>
<p>Generated {generated}. Deals: opportunities with no exclusion and a margin of at least
{deal_margin:.0%}.</p>
{sections}
</body></html>
"""


def build_report(warehouse: Path, store: StateStore, out: Path) -> dict[str, int]:
    """Write the market report HTML to `out` atomically; return charts drawn and rows listed."""
    charts: list[tuple[str, go.Figure | None]] = [
        (
            "Deals by category",
            _chart(warehouse, DEALS_BY_CATEGORY_SQL, _deals_by_category),
        ),
        (
            "Asking vs predicted price",
            _chart(warehouse, ASKING_VS_PREDICTED_SQL, _asking_vs_predicted),
        ),
        ("Margin trend", _chart(warehouse, MARGIN_TREND_SQL, _margin_trend)),
        ("Sold price distribution per product", _chart(warehouse, SOLD_PRICES_SQL, _sold_prices)),
        ("Alerts and approvals per day", _alerts_and_approvals(store)),
        (
            "Realized vs predicted resale price",
            _chart(warehouse, REALIZED_VS_PREDICTED_SQL, _realized_vs_predicted),
        ),
        ("Realized profit and loss by month", _chart(warehouse, PROFIT_BY_MONTH_SQL, _by_month)),
        ("Inventory aging", _chart(warehouse, INVENTORY_AGING_SQL, _inventory_aging)),
    ]
    sections, plotly_included = [], False
    for title, figure in charts:
        if figure is None:
            body = '<p class="no-data">No data yet.</p>'
        else:
            figure.update_layout(template="plotly_white", height=420, margin={"t": 30})
            body = figure.to_html(
                full_html=False,
                include_plotlyjs=not plotly_included,
                config={"displaylogo": False, "responsive": True},
            )
            plotly_included = True
        sections.append(f"<section><h2>{html.escape(title)}</h2>\n{body}</section>")
    opportunities = _rows(warehouse, TOP_OPPORTUNITIES_SQL)
    try:
        identities = _identity_table(_rows(warehouse, IDENTITY_SQL))
    except duckdb.BinderException:  # a warehouse built before listings had identified_by
        identities = _identity_table([])
    sections.append(f"<section><h2>How listings were identified</h2>\n{identities}</section>")
    sections.append(
        f"<section><h2>Top opportunities</h2>\n{_opportunities_table(opportunities)}</section>"
    )
    page = PAGE.format(
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        deal_margin=DEAL_MARGIN,
        sections="\n".join(sections),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")
    temp.write_text(page, encoding="utf-8")
    os.replace(temp, out)
    drawn = sum(figure is not None for _, figure in charts)
    return {
        "charts_drawn": drawn,
        "charts_empty": len(charts) - drawn,
        "opportunities_listed": len(opportunities),
    }


def _rows(warehouse: Path, sql: str) -> list[dict[str, Any]]:
    """The query's rows as dicts; none when a table is not built yet."""
    try:
        return query(warehouse, sql).to_dicts()
    except duckdb.CatalogException:
        return []


def _chart(
    warehouse: Path, sql: str, draw: Callable[[list[dict[str, Any]]], go.Figure]
) -> go.Figure | None:
    """The figure drawn from the query's rows, or None when there are none."""
    rows = _rows(warehouse, sql)
    return draw(rows) if rows else None


def _text(value: Any) -> str:
    """Marketplace text made inert for Plotly's HTML-like labels (it shows entities as text)."""
    return html.escape(str(value))


def _column(rows: list[dict[str, Any]], name: str) -> list[Any]:
    return [row[name] for row in rows]


def _deals_by_category(rows: list[dict[str, Any]]) -> go.Figure:
    """Where the deals are today: expected profit of the deals per category."""
    categories = [_text(category) for category in _column(rows, "category")]
    currency = _text(rows[0]["currency"] or "")
    figure = go.Figure(
        [
            go.Bar(
                name="Total expected profit",
                x=categories,
                y=_column(rows, "total_profit"),
                customdata=_column(rows, "deals"),
                hovertemplate="%{x}<br>%{customdata} deal(s), %{y:,.2f} in total<extra></extra>",
            ),
            go.Bar(name="Median per deal", x=categories, y=_column(rows, "median_profit")),
        ]
    )
    return figure.update_layout(barmode="group", yaxis_title=f"Expected profit ({currency})")


def _asking_vs_predicted(rows: list[dict[str, Any]]) -> go.Figure:
    figure = go.Figure()
    for deal, name, colour in ((True, "Deal", "#2ca02c"), (False, "Not a deal", "#9e9e9e")):
        group = [row for row in rows if row["deal"] is deal]
        if group:
            figure.add_trace(
                go.Scatter(
                    name=name,
                    mode="markers",
                    x=_column(group, "price"),
                    y=_column(group, "pred_p50"),
                    marker={"color": colour},
                    text=[f"{_text(row['title'])} ({_text(row['currency'])})" for row in group],
                    hovertemplate="%{text}<br>asking %{x}<br>predicted %{y}<extra></extra>",
                )
            )
    top = max(max(row["price"], row["pred_p50"]) for row in rows)
    figure.add_trace(
        go.Scatter(
            name="Predicted = asking",
            x=[0, top],
            y=[0, top],
            mode="lines",
            line={"dash": "dot", "color": "#bbb"},
            hoverinfo="skip",
        )
    )
    return figure.update_layout(xaxis_title="Asking price", yaxis_title="Predicted resale (p50)")


def _margin_trend(rows: list[dict[str, Any]]) -> go.Figure:
    figure = go.Figure(
        go.Scatter(
            x=_column(rows, "day"),
            y=_column(rows, "median_margin"),
            mode="lines+markers",
            customdata=_column(rows, "opportunities"),
            hovertemplate="%{x}<br>median margin %{y:.1%}<br>%{customdata} opportunities"
            "<extra></extra>",
        )
    )
    days = _column(rows, "day")
    daily = (max(days) - min(days)).days <= 31  # one tick a day; longer spans tick by themselves
    return figure.update_layout(
        xaxis={"title": "First seen", "tickformat": "%Y-%m-%d", "dtick": DAY_MS if daily else None},
        yaxis={"title": "Median margin", "tickformat": ".0%"},
    )


def _sold_prices(rows: list[dict[str, Any]]) -> go.Figure:
    figure = go.Figure()
    for product in dict.fromkeys(_column(rows, "product_id")):
        prices = [row["price"] for row in rows if row["product_id"] == product]
        figure.add_trace(go.Box(name=_text(product), y=prices, boxpoints="outliers"))
    currency = _text(rows[0]["reporting_currency"] or "")
    return figure.update_layout(showlegend=False, yaxis_title=f"Sold price ({currency})")


def _alerts_and_approvals(store: StateStore) -> go.Figure | None:
    """Alerts sent, proposals created and proposals approved per UTC day, from the state store."""
    proposals = store.list_proposals()
    series = {
        "Alerts": Counter(alert["alerted_at"][:10] for alert in store.alert_times()),
        "Proposals": Counter(proposal["created_at"][:10] for proposal in proposals),
        "Approved": Counter(
            proposal["decided_at"][:10]
            for proposal in proposals
            if proposal["status"] in COMMITTED_STATUSES and proposal["decided_at"]
        ),
    }
    days = sorted(set().union(*series.values()))
    if not days:
        return None
    figure = go.Figure(
        [
            go.Bar(name=name, x=days, y=[counts[day] for day in days])
            for name, counts in series.items()
        ]
    )
    return figure.update_layout(barmode="group", xaxis_type="category", yaxis_title="Count")


def _realized_vs_predicted(rows: list[dict[str, Any]]) -> go.Figure:
    """Each sale against the p10–p90 its purchase was predicted at: did the intervals hold?"""
    figure = go.Figure(
        go.Scatter(
            name="Predicted p50, p10–p90",
            mode="markers",
            x=_column(rows, "pred_p50"),
            y=_column(rows, "pred_p50"),
            marker={"color": "#9e9e9e", "symbol": "line-ew-open", "size": 12},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [row["pred_p90"] - row["pred_p50"] for row in rows],
                "arrayminus": [row["pred_p50"] - row["pred_p10"] for row in rows],
                "color": "#bdbdbd",
            },
            hoverinfo="skip",
        )
    )
    for inside, name, colour in (
        (True, "Sold inside", "#2ca02c"),
        (False, "Sold outside", "#d62728"),
    ):
        group = [row for row in rows if bool(row["within_interval"]) is inside]
        if group:
            figure.add_trace(
                go.Scatter(
                    name=f"{name} p10–p90 ({len(group)})",
                    mode="markers",
                    x=_column(group, "pred_p50"),
                    y=_column(group, "sold_price"),
                    marker={"color": colour, "size": 9},
                    text=[
                        f"{_text(row['title'])} ({_text(row['currency'])}, "
                        f"{_text(row['exit_marketplace'] or '')})"
                        for row in group
                    ],
                    hovertemplate="%{text}<br>predicted %{x:,.2f}<br>sold %{y:,.2f}<extra></extra>",
                )
            )
    share = sum(bool(row["within_interval"]) for row in rows) / len(rows)
    return figure.update_layout(
        xaxis_title="Predicted resale (p50)",
        yaxis_title="Sold price",
        title={"text": f"{share:.0%} of {len(rows)} sales inside p10–p90 (80% expected)"},
    )


def _by_month(rows: list[dict[str, Any]]) -> go.Figure:
    """Realized profit per month of sale, losses in red."""
    profits = _column(rows, "profit")
    figure = go.Figure(
        go.Bar(
            x=_column(rows, "month"),
            y=profits,
            marker={"color": ["#2ca02c" if p >= 0 else "#d62728" for p in profits]},
            customdata=_column(rows, "trades"),
            hovertemplate="%{x}: %{y:,.2f} from %{customdata} sale(s)<extra></extra>",
        )
    )
    currency = _text(rows[0]["currency"] or "")
    return figure.update_layout(xaxis_type="category", yaxis_title=f"Realized profit ({currency})")


def _inventory_aging(rows: list[dict[str, Any]]) -> go.Figure:
    """Items still held per age bucket, split by whether they outstayed their predicted days."""
    figure = go.Figure()
    for overdue, name, colour in (
        (False, "Within predicted days to sell", "#1f77b4"),
        (True, "Past predicted days to sell", "#ff7f0e"),
    ):
        found = {row["aging_bucket"]: row for row in rows if row["past_predicted_days"] is overdue}
        figure.add_trace(
            go.Bar(
                name=name,
                x=AGING_BUCKETS,
                y=[found[b]["items"] if b in found else 0 for b in AGING_BUCKETS],
                customdata=[found[b]["cost"] if b in found else 0 for b in AGING_BUCKETS],
                marker={"color": colour},
                hovertemplate="%{x} days: %{y} item(s), cost %{customdata:,.2f} "
                f"{_text(rows[0]['currency'] or '')}<extra></extra>",
            )
        )
    return figure.update_layout(
        barmode="stack", xaxis={"title": "Days held", "type": "category"}, yaxis_title="Items"
    )


def _opportunities_table(rows: list[dict[str, Any]]) -> str:
    """The top opportunities as an escaped HTML table, or a no-data note."""
    if not rows:
        return '<p class="no-data">No data yet.</p>'
    head = "".join(
        f"<th>{name}</th>"
        for name in ("Title", "Source", "Asking", "Predicted", "Profit", "Margin", "Confidence")
    )
    body = []
    for row in rows:
        title = html.escape(row["title"] or "")
        url = row["url"] or ""
        if url.startswith(("http://", "https://")):
            title = f'<a href="{html.escape(url)}" rel="noopener noreferrer">{title}</a>'
        cells = [
            f"<td>{title}</td>",
            f"<td>{html.escape(row['source'] or '')}</td>",
            _amount(row["price"], row["currency"]),
            _amount(row["pred_p50"], row["currency"]),
            _amount(row["profit"], row["reporting_currency"]),
            f'<td class="num">{"" if row["margin"] is None else format(row["margin"], ".1%")}</td>',
            f"<td>{html.escape(row['confidence'] or '')}</td>",
        ]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _identity_table(rows: list[dict[str, Any]]) -> str:
    """Listings and products per identity method (identifier, attributes, fuzzy, none)."""
    if not rows:
        return '<p class="no-data">No listings identified yet.</p>'
    total = sum(row["listings"] for row in rows)
    names = ("Identified by", "Listings", "Share", "Products")
    head = "".join(f"<th>{name}</th>" for name in names)
    body = "".join(
        f"<tr><td>{html.escape(str(row['identified_by']))}</td>"
        f'<td class="num">{row["listings"]:,}</td>'
        f'<td class="num">{row["listings"] / total:.1%}</td>'
        f'<td class="num">{row["products"]:,}</td></tr>'
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _amount(value: float | None, currency: str | None) -> str:
    text = "" if value is None else f"{value:,.2f} {currency or ''}"
    return f'<td class="num">{html.escape(text.strip())}</td>'
