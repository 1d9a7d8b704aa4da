"""How to reach each real marketplace: its start URLs for a search and its crawl settings.

The eBay Browse API needs an OAuth application token (from the cache in ARB_HOME/secrets) and
the eBay site header; Facebook Marketplace needs a real browser and a logged-in storage
state; Vinted's API needs the session cookie its home page sets. Secrets stay in
`CrawlSettings.headers`, which the crawl passes over stdin and never logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from arb_pipeline.sources import registry
from arb_pipeline.sources.crawl import CrawlSettings
from arb_pipeline.sources.ebay_auth import EbayCredentials, TokenCache, request_headers
from arb_pipeline.sources.search_urls import (
    SearchOptions,
    SearchTerms,
    SearchUrlError,
    base_url_for,
)


def start_urls(
    marketplace: str,
    search: SearchTerms,
    base_url: str | None = None,
    *,
    ebay_marketplace_id: str = "EBAY_US",
    mercari_query_hash: str | None = None,
) -> list[str]:
    """Where a crawl of `search` on `marketplace` starts (the parsers find the next pages)."""
    spec = registry.MARKETPLACE_SOURCES.get(marketplace)
    if spec is None:
        known = ", ".join(registry.MARKETPLACE_SOURCES)
        raise SearchUrlError(f"no search URL for {marketplace!r}; searchable: {known}")
    options = SearchOptions(ebay_marketplace_id, mercari_query_hash)
    return spec.search_urls(search, base_url_for(spec, search, base_url), options)


@dataclass(frozen=True)
class MarketplaceAccess:
    """Base URL overrides, the eBay site and credentials, Facebook's login, Mercari's query."""

    base_urls: dict[str, str] = field(default_factory=dict)
    ebay_marketplace_id: str = "EBAY_US"
    ebay_credentials: EbayCredentials | None = None
    token_cache: TokenCache | None = None
    facebook_storage_state: str | None = None
    mercari_query_hash: str | None = None

    def start_urls(self, source: str, search: SearchTerms) -> list[str]:
        """Where the crawl of `search` on `source` starts."""
        return start_urls(
            source,
            search,
            self.base_urls.get(source),
            ebay_marketplace_id=self.ebay_marketplace_id,
            mercari_query_hash=self.mercari_query_hash,
        )

    def crawl_settings(self, source: str, settings: CrawlSettings) -> CrawlSettings:
        """`settings` plus what `source` needs: its declared quirks (a browser, a session
        warm-up, headers), an eBay token, a Facebook login."""
        spec = registry.MARKETPLACE_SOURCES[source]
        if spec.render_js:
            settings = replace(settings, render_js=True)
        if spec.warmup_path:  # the session cookie its home page sets
            home_page = (self.base_urls.get(source) or spec.base_url).rstrip("/")
            settings = replace(settings, warmup_url=home_page + spec.warmup_path)
        if spec.headers:
            settings = replace(settings, headers={**settings.headers, **spec.headers})
        if source == "ebay_api":
            if self.ebay_credentials is None or self.token_cache is None:
                raise ValueError("ebay_api needs EBAY_CLIENT_ID and EBAY_CLIENT_SECRET")
            token = self.token_cache.get_token(self.ebay_credentials)
            headers = request_headers(token, self.ebay_marketplace_id)
            return replace(settings, headers={**settings.headers, **headers})
        if source == "facebook":
            state = self.facebook_storage_state
            if not state or not Path(state).is_file():
                raise FileNotFoundError(
                    "facebook needs a logged-in browser storage state: set "
                    "ARB_FACEBOOK_STORAGE_STATE to the JSON file Playwright's "
                    "context.storage_state(path=...) saved after you logged in"
                    + (" (the file set there does not exist)" if state else "")
                )
            return replace(settings, storage_state=state)
        return settings
