"""Alerts: a sensor that turns new deals into one alert run per (search, listing)."""

import dagster as dg

from arb_pipeline.alerts.deals import DealRule, find_deals, send_alert, unalerted
from arb_pipeline.alerts.store import StateStore
from arb_pipeline.defs.resources import AlertSettings, ArbHomeResource


def deal_rule(settings: AlertSettings) -> DealRule:
    """The alert thresholds and recipients from the resource."""
    return DealRule(
        search=settings.search_name,
        min_margin=settings.min_margin,
        min_profit=settings.min_profit,
        sender=settings.sender,
        recipients=tuple(settings.recipients),
    )


class DealAlertConfig(dg.Config):
    """The opportunity to alert on."""

    listing_key: str


@dg.op
def send_deal_alert(
    context: dg.OpExecutionContext,
    config: DealAlertConfig,
    arb_home: ArbHomeResource,
    alert_settings: AlertSettings,
) -> None:
    """Email one deal (at most once per search and listing) and record a purchase proposal."""
    home = arb_home.home()
    rule = deal_rule(alert_settings)
    deals = find_deals(home.warehouse, rule)
    deal = next((deal for deal in deals if deal["listing_key"] == config.listing_key), None)
    if deal is None:
        context.log.warning(f"{config.listing_key} no longer passes the deal rule; nothing sent")
        return
    destination = send_alert(
        deal,
        rule,
        StateStore.from_env(home.root),
        home.outbox,
        alert_settings.api_key(),
        alert_settings.sendgrid_host,
    )
    context.log.info(f"{config.listing_key}: {destination or 'already alerted, nothing sent'}")


@dg.job(description="Send one deal alert email and record its purchase proposal.")
def deal_alert_job() -> None:
    send_deal_alert()


@dg.sensor(
    job=deal_alert_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="One alert run per new deal in fct_opportunities (run key: search:listing).",
)
def deal_alert_sensor(
    context: dg.SensorEvaluationContext,
    arb_home: ArbHomeResource,
    alert_settings: AlertSettings,
) -> dg.SensorResult:
    """New deals above the margin and profit thresholds become alert runs."""
    home = arb_home.home()
    if not home.warehouse.exists():
        return dg.SensorResult(skip_reason="no warehouse yet: build the warehouse assets first")
    rule = deal_rule(alert_settings)
    deals = unalerted(find_deals(home.warehouse, rule), StateStore.from_env(home.root), rule.search)
    if not deals:
        return dg.SensorResult(skip_reason="no new deals")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"{rule.search}:{deal['listing_key']}",
                run_config={
                    "ops": {"send_deal_alert": {"config": {"listing_key": deal["listing_key"]}}}
                },
                tags={"search": rule.search, "listing_key": deal["listing_key"]},
            )
            for deal in deals
        ]
    )
