"""The fx_rates_ecb asset: offline sandbox rates by default, an ECB-shaped server when set,
history kept, a freshness check, and an error page that loses nothing."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl

from arb_pipeline.defs.pricing.fx_rates import FxRatesResource, fx_rates_ecb
from arb_pipeline.defs.resources import ArbHomeResource

OLD_RATES = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
    xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <Cube><Cube time='2024-06-28'>
    <Cube currency='USD' rate='1.0705'/><Cube currency='GBP' rate='0.84638'/>
  </Cube></Cube>
</gesmes:Envelope>"""


def _run(home: Path, fx: FxRatesResource) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [fx_rates_ecb],
        resources={"arb_home": ArbHomeResource(path=str(home)), "fx_rates": fx},
        raise_on_error=False,
    )


def test_sandbox_rates_by_default_are_fresh(tmp_path: Path) -> None:
    result = _run(tmp_path, FxRatesResource())
    assert result.success
    rates = pl.read_parquet(tmp_path / "lake" / "fx" / "ecb_rates.parquet")
    assert {"EUR", "USD", "GBP"} <= set(rates["currency"])
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == "fx_rates_fresh" and check.passed


def test_old_rates_fail_the_freshness_check_and_history_is_kept(tmp_path: Path, httpserver) -> None:
    httpserver.expect_request("/eurofxref-daily.xml").respond_with_data(
        OLD_RATES, content_type="text/xml"
    )
    result = _run(tmp_path, FxRatesResource(url=httpserver.url_for("/eurofxref-daily.xml")))
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed
    assert check.metadata["newest_rate_date"].value == "2024-06-28"
    assert _run(tmp_path, FxRatesResource()).success  # then the sandbox's recent rates
    rates = pl.read_parquet(tmp_path / "lake" / "fx" / "ecb_rates.parquet")
    assert rates["valid_from"].n_unique() == 2  # 2024-06-28 kept beside the new day


def test_an_error_page_fails_the_run_and_keeps_the_previous_rates(
    tmp_path: Path, httpserver
) -> None:
    assert _run(tmp_path, FxRatesResource()).success
    before = (tmp_path / "lake" / "fx" / "ecb_rates.parquet").read_bytes()
    httpserver.expect_request("/down").respond_with_data("<html>maintenance</html>", status=200)
    result = _run(tmp_path, FxRatesResource(url=httpserver.url_for("/down")))
    assert not result.success
    assert (tmp_path / "lake" / "fx" / "ecb_rates.parquet").read_bytes() == before
