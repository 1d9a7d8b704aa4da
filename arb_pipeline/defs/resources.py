"""Resources shared by every domain: where state lives, the sandbox, and alert settings."""

import os
from pathlib import Path

import dagster as dg

from arb_pipeline.paths import ArbHome
from arb_pipeline.sources.crawl import CrawlSettings

SANDBOX_SEARCHES = Path(__file__).resolve().parents[1] / "sandbox" / "searches.yaml"


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
    """Where saved searches live and how alerts are delivered; secrets read at run time."""

    searches_file: str | None = None
    sender: str = "arb-pipeline@localhost"
    sendgrid_host: str | None = None

    def searches_path(self, home: ArbHome) -> Path:
        """The configured file, else ARB_HOME/searches.yaml, else the sandbox's searches."""
        if self.searches_file:
            return Path(self.searches_file)
        own = home.root / "searches.yaml"
        return own if own.exists() else SANDBOX_SEARCHES

    def api_key(self) -> str | None:
        """SENDGRID_API_KEY at run time; None means .eml files in the outbox."""
        return os.environ.get("SENDGRID_API_KEY") or None

    def webhook_secret(self) -> str | None:
        """ARB_WEBHOOK_SECRET at run time (webhooks are signed with it)."""
        return os.environ.get("ARB_WEBHOOK_SECRET") or None
