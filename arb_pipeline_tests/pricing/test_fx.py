"""ECB euro reference rates read into US dollars per unit, from the sandbox's offline copy."""

from __future__ import annotations

import urllib.request
from datetime import date

import pytest

from arb_pipeline.pricing.fx import MAX_AGE_DAYS, age_days, parse_ecb_rates
from arb_pipeline.sandbox.server import ECB_PATH, SandboxMarketplace

HISTORY = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
    xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
  <Cube>
    <Cube time='2024-06-28'>
      <Cube currency='USD' rate='1.0705'/><Cube currency='GBP' rate='0.84638'/>
      <Cube currency='PLN' rate='4.3090'/>
    </Cube>
    <Cube time='2024-06-27'>
      <Cube currency='USD' rate='1.0700'/><Cube currency='GBP' rate='0.84600'/>
    </Cube>
  </Cube>
</gesmes:Envelope>"""


def test_history_file_gives_dollars_per_unit_for_every_day() -> None:
    rates = parse_ecb_rates(HISTORY)
    by_key = {(r["currency"], r["valid_from"]): r["usd_per_unit"] for r in rates.to_dicts()}
    day = date(2024, 6, 28)
    assert by_key[("EUR", day)] == pytest.approx(1.0705)
    assert by_key[("USD", day)] == pytest.approx(1.0)
    assert by_key[("GBP", day)] == pytest.approx(1.0705 / 0.84638, rel=1e-6)  # about 1.265
    assert by_key[("PLN", day)] == pytest.approx(1.0705 / 4.3090, rel=1e-6)
    assert ("GBP", date(2024, 6, 27)) in by_key
    assert rates.height == 4 + 3


@pytest.mark.parametrize(
    "body",
    [b"<html><body>Service unavailable</body></html>", b"not xml at all", b"<rss/>"],
)
def test_anything_but_reference_rates_is_an_error_not_an_empty_table(body: bytes) -> None:
    with pytest.raises(ValueError, match="ECB reference rates"):
        parse_ecb_rates(body)


def test_the_sandbox_serves_rates_of_the_previous_working_day() -> None:
    monday = date(2026, 3, 16)
    with SandboxMarketplace(monday) as server:
        with urllib.request.urlopen(server.base_url + ECB_PATH, timeout=10) as response:
            rates = parse_ecb_rates(response.read())
    assert set(rates["valid_from"]) == {date(2026, 3, 13)}  # the Friday
    assert {"EUR", "USD", "GBP"} <= set(rates["currency"])
    assert age_days(rates, monday) == MAX_AGE_DAYS  # still fresh over a weekend
    assert age_days(rates, date(2026, 3, 18)) > MAX_AGE_DAYS
