"""Ingest resources: the sandbox marketplace, crawl politeness, and the real marketplaces."""

import os
from dataclasses import replace

import dagster as dg

from arb_pipeline.paths import ArbHome
from arb_pipeline.sources.crawl import CrawlSettings
from arb_pipeline.sources.ebay_auth import (
    DEFAULT_TOKEN_URL,
    EbayAuthError,
    EbayCredentials,
    TokenCache,
)
from arb_pipeline.sources.marketplaces import MarketplaceAccess
from arb_pipeline.sources.registry import MARKETPLACE_SOURCES


class SandboxResource(dg.ConfigurableResource):
    """The offline sandbox marketplace simulator the sandbox sources crawl."""

    seed: int = 7
    faults: list[str] = []


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


class CrawlResource(dg.ConfigurableResource):
    """How politely to crawl; ARB_PROXIES and ARB_IGNORE_ROBOTS (comma-separated) at run time."""

    user_agent: str = CrawlSettings.user_agent
    concurrency_per_domain: int = 2
    ignore_robots_for: list[str] = []
    max_pages: int = 50
    blocked_retries: int = 3
    blocked_backoff_seconds: int = 600  # doubled at each retry: 10, 20, 40 minutes

    def settings_for(self, source: str) -> CrawlSettings:
        """Crawl settings for one source (robots.txt obeyed unless the source opted out)."""
        ignore_robots = [*self.ignore_robots_for, *_env_list("ARB_IGNORE_ROBOTS")]
        return CrawlSettings(
            obey_robots=source not in ignore_robots,
            concurrency_per_domain=self.concurrency_per_domain,
            user_agent=self.user_agent,
            proxies=_env_list("ARB_PROXIES"),
            max_pages=self.max_pages,
        )


class MarketplacesResource(dg.ConfigurableResource):
    """The real marketplaces: base URLs, eBay site and token endpoint, logins (env at run time).

    A base URL comes from `base_urls`, else ARB_<SOURCE>_URL (e.g. ARB_CRAIGSLIST_URL), else
    the real site. Secrets are never fields: EBAY_CLIENT_ID / EBAY_CLIENT_SECRET are read when
    an ebay_api crawl starts.
    """

    base_urls: dict[str, str] = {}
    ebay_marketplace_id: str | None = None
    ebay_token_url: str | None = None
    facebook_storage_state: str | None = None

    def ebay_credentials(self) -> EbayCredentials:
        """EBAY_CLIENT_ID, EBAY_CLIENT_SECRET and optional EBAY_TOKEN_URL read now; EbayAuthError
        naming the missing ones."""
        names = ("EBAY_CLIENT_ID", "EBAY_CLIENT_SECRET")
        missing = [name for name in names if not os.environ.get(name)]
        if missing:
            raise EbayAuthError(f"missing environment variable(s): {', '.join(missing)}")
        return EbayCredentials(
            client_id=os.environ["EBAY_CLIENT_ID"],
            client_secret=os.environ["EBAY_CLIENT_SECRET"],
            token_url=os.environ.get("EBAY_TOKEN_URL") or DEFAULT_TOKEN_URL,
        )

    def access(self, home: ArbHome, source: str) -> MarketplaceAccess:
        """What crawling `source` needs, read now (credentials only for ebay_api)."""
        base_urls = {
            name: url
            for name in MARKETPLACE_SOURCES
            if (url := self.base_urls.get(name) or os.environ.get(f"ARB_{name.upper()}_URL"))
        }
        credentials = None
        if source == "ebay_api":
            credentials = self.ebay_credentials()
            if self.ebay_token_url:
                credentials = replace(credentials, token_url=self.ebay_token_url)
        return MarketplaceAccess(
            base_urls=base_urls,
            ebay_marketplace_id=self.ebay_marketplace_id
            or os.environ.get("EBAY_MARKETPLACE_ID")
            or "EBAY_US",
            ebay_credentials=credentials,
            token_cache=TokenCache.for_home(home),
            facebook_storage_state=self.facebook_storage_state
            or os.environ.get("ARB_FACEBOOK_STORAGE_STATE"),
            mercari_query_hash=os.environ.get("ARB_MERCARI_QUERY_HASH"),
        )


ingest_resources = dg.Definitions(
    resources={
        "sandbox": SandboxResource(),
        "crawl": CrawlResource(),
        "marketplaces": MarketplacesResource(),
    }
)
