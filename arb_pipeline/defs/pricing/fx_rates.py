"""FX rates: the ECB's euro reference rates, refreshed each working day into the lake, where
the warehouse prefers them to the seed fx_rates (int_fx_rates)."""

import urllib.error
import urllib.request
from datetime import UTC, date, datetime

import dagster as dg
import polars as pl

from arb_pipeline.defs.environment import from_environment
from arb_pipeline.defs.resources import ArbHomeResource
from arb_pipeline.lake import write_parquet
from arb_pipeline.pricing.fx import MAX_AGE_DAYS, age_days, parse_ecb_rates
from arb_pipeline.sandbox.server import ECB_PATH, SandboxMarketplace

# the ECB publishes around 16:00 CET each working day
REFRESH_DAILY = dg.AutomationCondition.on_cron("0 16 * * 1-5")


class FxRatesResource(dg.ConfigurableResource):
    """Where the reference rates come from: `url` (ARB_FX_RATES_URL, e.g. the ECB's
    eurofxref-daily.xml, arb_pipeline.pricing.fx.ECB_DAILY_URL) or, unset, the offline
    sandbox's copy, so that the pipeline runs offline out of the box like its sandbox
    marketplaces."""

    url: str | None = None
    timeout_seconds: float = 30.0

    def fetch(self, day: date) -> bytes:
        """The reference rates XML; OSError naming the URL when it cannot be fetched."""
        if self.url:
            return _get(self.url, self.timeout_seconds)
        with SandboxMarketplace(day) as sandbox:
            return _get(sandbox.base_url + ECB_PATH, self.timeout_seconds)


def _get(url: str, timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except (urllib.error.URLError, TimeoutError) as error:
        raise OSError(f"cannot fetch FX rates from {url}: {error}") from error


@dg.asset(
    group_name="pricing",
    kinds={"parquet"},
    automation_condition=REFRESH_DAILY,
    check_specs=[
        dg.AssetCheckSpec(
            "fx_rates_fresh",
            asset="fx_rates_ecb",
            description=f"The newest reference rate is at most {MAX_AGE_DAYS} days old.",
        )
    ],
)
def fx_rates_ecb(
    context: dg.AssetExecutionContext, arb_home: ArbHomeResource, fx_rates: FxRatesResource
) -> dg.MaterializeResult:
    """US dollars per unit of each currency from the ECB's reference rates, one row per
    currency and publication day; key (currency, valid_from). Earlier days are kept."""
    home = arb_home.home()
    today = datetime.now(UTC).date()
    fetched = parse_ecb_rates(fx_rates.fetch(today))
    path = home.lake / "fx" / "ecb_rates.parquet"
    rates = fetched
    if path.exists():  # keep the history; a republished day replaces the old one
        kept = pl.read_parquet(path).join(fetched, on=["currency", "valid_from"], how="anti")
        rates = pl.concat([kept, fetched]).sort("currency", "valid_from")
    write_parquet(rates, path)
    age = age_days(rates, today)
    newest = str(rates["valid_from"].max())
    context.log.info(f"{fetched.height} rates of {newest}; {rates.height} kept in {path}")
    return dg.MaterializeResult(
        metadata={
            "rows": rates.height,
            "newest_rate_date": newest,
            "currencies": rates["currency"].n_unique(),
            "path": dg.MetadataValue.path(str(path)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name="fx_rates_fresh",
                passed=age <= MAX_AGE_DAYS,
                metadata={"age_days": age, "newest_rate_date": newest},
            )
        ],
    )


# a module holding a Definitions object contributes only what that object holds
fx_definitions = dg.Definitions(
    assets=[fx_rates_ecb], resources={"fx_rates": from_environment("fx_rates", FxRatesResource)}
)
