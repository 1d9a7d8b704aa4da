"""Ingest resources: the sandbox marketplace, crawl politeness, and the real marketplaces."""

import dagster as dg

from arb_pipeline.defs.environment import from_environment
from arb_pipeline.paths import ArbHome
from arb_pipeline.sources.crawl import CHROMIUM, CrawlSettings
from arb_pipeline.sources.ebay_auth import (
    DEFAULT_TOKEN_URL,
    EbayAuthError,
    EbayCredentials,
    TokenCache,
)
from arb_pipeline.sources.marketplaces import MarketplaceAccess


class SandboxResource(dg.ConfigurableResource):
    """The offline sandbox marketplace simulator the sandbox sources crawl."""

    seed: int = 7
    faults: list[str] = []


def _items(text: str) -> list[str]:
    """The entries of a comma-separated list."""
    return [item.strip() for item in text.split(",") if item.strip()]


class CrawlResource(dg.ConfigurableResource):
    """How politely to crawl: the proxies rotated through (ARB_PROXIES) and the sources whose
    robots.txt is not obeyed (ARB_IGNORE_ROBOTS), both comma-separated, and the system Chromium
    of browser-rendered sources (ARB_CHROMIUM)."""

    user_agent: str = CrawlSettings.user_agent
    concurrency_per_domain: int = 2
    ignore_robots_for: list[str] = []
    ignore_robots: str = ""
    proxies: str = ""
    chromium: str = CHROMIUM
    max_pages: int = 50
    blocked_retries: int = 3
    blocked_backoff_seconds: int = 600  # doubled at each retry: 10, 20, 40 minutes

    def settings_for(self, source: str) -> CrawlSettings:
        """Crawl settings for one source (robots.txt obeyed unless the source opted out)."""
        ignore_robots = [*self.ignore_robots_for, *_items(self.ignore_robots)]
        return CrawlSettings(
            obey_robots=source not in ignore_robots,
            concurrency_per_domain=self.concurrency_per_domain,
            user_agent=self.user_agent,
            proxies=_items(self.proxies),
            max_pages=self.max_pages,
            chromium=self.chromium,
        )


class MarketplacesResource(dg.ConfigurableResource):
    """The real marketplaces: base URLs (ARB_<SOURCE>_URL, e.g. ARB_CRAIGSLIST_URL; unset: the
    real site), the eBay Browse API's credentials (EBAY_CLIENT_ID, EBAY_CLIENT_SECRET), token
    endpoint (EBAY_TOKEN_URL) and site (EBAY_MARKETPLACE_ID), Facebook's logged-in browser
    state (ARB_FACEBOOK_STORAGE_STATE) and Mercari's query hash (ARB_MERCARI_QUERY_HASH)."""

    base_urls: dict[str, str] = {}
    ebay_client_id: str | None = None
    ebay_client_secret: str | None = None
    ebay_token_url: str = DEFAULT_TOKEN_URL
    ebay_marketplace_id: str = "EBAY_US"
    facebook_storage_state: str | None = None
    mercari_query_hash: str | None = None

    def ebay_credentials(self) -> EbayCredentials:
        """The eBay application's credentials; EbayAuthError naming the missing variables."""
        if self.ebay_client_id and self.ebay_client_secret:
            return EbayCredentials(
                client_id=self.ebay_client_id,
                client_secret=self.ebay_client_secret,
                token_url=self.ebay_token_url or DEFAULT_TOKEN_URL,
            )
        given = {
            "EBAY_CLIENT_ID": self.ebay_client_id,
            "EBAY_CLIENT_SECRET": self.ebay_client_secret,
        }
        missing = ", ".join(name for name, value in given.items() if not value)
        raise EbayAuthError(f"missing environment variable(s): {missing}")

    def access(self, home: ArbHome, source: str) -> MarketplaceAccess:
        """What crawling `source` needs (credentials only for ebay_api)."""
        return MarketplaceAccess(
            base_urls={name: url for name, url in self.base_urls.items() if url},
            ebay_marketplace_id=self.ebay_marketplace_id or "EBAY_US",
            ebay_credentials=self.ebay_credentials() if source == "ebay_api" else None,
            token_cache=TokenCache.for_home(home),
            facebook_storage_state=self.facebook_storage_state or None,
            mercari_query_hash=self.mercari_query_hash or None,
        )


ingest_resources = dg.Definitions(
    resources={
        "sandbox": SandboxResource(),
        "crawl": from_environment("crawl", CrawlResource),
        "marketplaces": from_environment("marketplaces", MarketplacesResource),
    }
)
