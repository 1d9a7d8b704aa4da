"""Purchases, sales and realized outcomes (the trades ledger); no Dagster imports."""
