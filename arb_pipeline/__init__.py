"""Resale-arbitrage data pipeline."""
