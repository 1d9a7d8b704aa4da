"""Product identity: which product a listing is, from its title and its own fields.

Plain Python (no Dagster): the warehouse's dbt Python model and `arb-pipeline products`
both call `identify_frame`, so the two always agree.
"""

from arb_pipeline.products.extract import Extracted, extract
from arb_pipeline.products.identity import METHODS, Identity, explain, identify_frame, identify_many

__all__ = [
    "METHODS",
    "Extracted",
    "Identity",
    "explain",
    "extract",
    "identify_frame",
    "identify_many",
]
