"""Ingest resources: the sandbox marketplace, crawl politeness, and the real marketplaces."""

import dagster as dg

from arb_pipeline.defs.resources import CrawlResource, MarketplacesResource, SandboxResource

ingest_resources = dg.Definitions(
    resources={
        "sandbox": SandboxResource(),
        "crawl": CrawlResource(),
        "marketplaces": MarketplacesResource(),
    }
)
