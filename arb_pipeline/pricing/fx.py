"""Euro foreign exchange reference rates of the European Central Bank (eurofxref XML: the
daily file, or the 90-day / full history ones with one dated Cube per day), read into the
shape of the seed `fx_rates`: US dollars per unit of each currency from a date on."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from datetime import date

import polars as pl

ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
_GESMES = "{http://www.gesmes.org/xml/2002-08-01}"
_EUROFXREF = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"
MAX_AGE_DAYS = 3  # older than this, the rates are stale (the ECB publishes each working day)
SCHEMA = {"currency": pl.String, "valid_from": pl.Date, "usd_per_unit": pl.Float64}


def parse_ecb_rates(body: bytes) -> pl.DataFrame:
    """Rates of an eurofxref XML answer as (currency, valid_from, usd_per_unit), EUR and USD
    included, one row per currency and day; ValueError naming what is wrong otherwise (an
    error page or another document is never read as "no rates")."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise ValueError(f"not ECB reference rates: unreadable XML ({error})") from error
    if root.tag != f"{_GESMES}Envelope":
        raise ValueError(f"not ECB reference rates: root element {root.tag!r}")
    rows = []
    for day in root.iter(f"{_EUROFXREF}Cube"):
        if "time" not in day.attrib:
            continue
        valid_from = date.fromisoformat(day.attrib["time"])
        per_euro = {cube.attrib["currency"]: float(cube.attrib["rate"]) for cube in day}
        if "USD" not in per_euro:
            raise ValueError(f"ECB rates of {valid_from} lack USD: cannot express them in USD")
        usd_per_euro = per_euro["USD"]
        per_euro["EUR"] = 1.0
        for currency, rate in per_euro.items():
            if rate <= 0:
                raise ValueError(f"ECB rate of {currency} on {valid_from} is {rate}")
            # usd per unit = (usd per euro) / (units per euro)
            rows.append((currency, valid_from, usd_per_euro / rate))
    if not rows:
        raise ValueError("ECB reference rates answer holds no dated rates")
    return pl.DataFrame(rows, schema=SCHEMA, orient="row").sort("currency", "valid_from")


def age_days(rates: pl.DataFrame, today: date) -> int:
    """Days since the newest rate in `rates` (for the freshness check: > MAX_AGE_DAYS is stale)."""
    newest = rates["valid_from"].max()
    if newest is None:
        raise ValueError("no rates")
    return (today - newest).days
