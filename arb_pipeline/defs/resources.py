"""Resources shared by every domain: where state lives, the sandbox, and alert settings."""

import os

import dagster as dg

from arb_pipeline.paths import ArbHome
from arb_pipeline.sources.crawl import CrawlSettings


class ArbHomeResource(dg.ConfigurableResource):
    """The ARB_HOME state folder (lake, warehouse, outbox, models, state.db, archive)."""

    path: str | None = None

    def home(self) -> ArbHome:
        """The resolved folders, created if missing; ARB_HOME or `./.arb` when path is unset."""
        return ArbHome.from_env(self.path).ensure()


class SandboxResource(dg.ConfigurableResource):
    """The offline sandbox marketplace simulator the sandbox sources crawl."""

    seed: int = 7
    faults: list[str] = []


class CrawlResource(dg.ConfigurableResource):
    """How politely to crawl; proxies are read from ARB_PROXIES (comma-separated) at run time."""

    user_agent: str = CrawlSettings.user_agent
    concurrency_per_domain: int = 2
    ignore_robots_for: list[str] = []
    max_pages: int = 50

    def settings_for(self, source: str) -> CrawlSettings:
        """Crawl settings for one source (robots.txt obeyed unless the source opted out)."""
        proxies = [p.strip() for p in os.environ.get("ARB_PROXIES", "").split(",") if p.strip()]
        return CrawlSettings(
            obey_robots=source not in self.ignore_robots_for,
            concurrency_per_domain=self.concurrency_per_domain,
            user_agent=self.user_agent,
            proxies=proxies,
            max_pages=self.max_pages,
        )


class AlertSettings(dg.ConfigurableResource):
    """Who gets alerts and which opportunities deserve one."""

    search_name: str = "sandbox-deals"
    min_margin: float = 0.25
    min_profit: float = 40.0
    sender: str = "arb-pipeline@localhost"
    recipients: list[str] = ["reseller@example.com"]
    sendgrid_api_key: str | None = None
    sendgrid_host: str | None = None

    def api_key(self) -> str | None:
        """SendGrid key from config, else SENDGRID_API_KEY at run time; None means .eml files."""
        return self.sendgrid_api_key or os.environ.get("SENDGRID_API_KEY") or None
