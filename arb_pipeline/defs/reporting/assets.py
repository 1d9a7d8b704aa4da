"""Reporting: the market report page, rebuilt when the listings, opportunities, sold comps,
trades or alerts it reads change."""

import dagster as dg

from arb_pipeline.alerts.store import StateStore
from arb_pipeline.defs.resources import ArbHomeResource
from arb_pipeline.reporting.market_report import build_report

# rebuilt after alerts too (its alerts-per-day chart was empty when built before them); a
# saved search never run is no reason to hold the report back
REPORT_AUTOMATION = dg.AutomationCondition.eager().replace(
    "any_deps_missing",
    dg.AutomationCondition.any_deps_missing().ignore(dg.AssetSelection.assets("search_alerts")),
)


@dg.asset(
    group_name="reporting",
    automation_condition=REPORT_AUTOMATION,
    kinds={"plotly", "html"},
    # what build_report reads: these tables, and the alerts and proposals search_alerts records
    deps=[
        dg.AssetKey("fct_listings"),
        dg.AssetKey("fct_opportunities"),
        dg.AssetKey("fct_sold_comps"),
        dg.AssetKey("fct_trades"),
        dg.AssetKey("mart_inventory"),
        dg.AssetKey("search_alerts"),
    ],
)
def market_report(
    context: dg.AssetExecutionContext, arb_home: ArbHomeResource
) -> dg.MaterializeResult:
    """Self-contained HTML market report (one page; key ARB_HOME/reports/market_report.html)."""
    home = arb_home.home()
    out = home.root / "reports" / "market_report.html"
    counts = build_report(home.warehouse, StateStore.for_home(home), out)
    context.log.info(f"wrote {out}: {counts}")
    return dg.MaterializeResult(
        metadata={
            "report": dg.MetadataValue.url(out.as_uri()),
            "path": dg.MetadataValue.path(str(out)),
            **counts,
        }
    )
