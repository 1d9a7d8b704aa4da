"""Reports built from the warehouse and the alert state (no Dagster imports)."""
