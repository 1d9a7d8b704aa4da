"""The most a search's user should pay for a deal, given the profit the search asks for."""

from __future__ import annotations

import math
from typing import Any

from arb_pipeline.searches import Search


def search_max_offer(deal: dict[str, Any], search: Search) -> float | None:
    """Highest asking price at which the p10 profit still meets the search's min_profit.

    fct_opportunities' max_offer is where the p10 profit is zero; each unit of price costs
    (1 + buyer fee rate) of profit, a rate read from the row (profit_p10 at the asking price
    over its distance to max_offer), else taken as 1, which errs low. Rounded down to cents.
    """
    break_even = deal.get("max_offer")
    if break_even is None or not search.min_profit:
        return break_even
    price, profit_p10 = deal.get("price"), deal.get("profit_p10")
    slope = 1.0
    if price is not None and profit_p10 is not None and break_even - price >= 1:
        slope = max(1.0, profit_p10 / (break_even - price))
    return max(math.floor((break_even - search.min_profit / slope) * 100 + 1e-6) / 100, 0.0)
