"""Resources every domain shares: where state lives, and the saved searches and alert
settings (ingest crawls the searches, alerts sends their deals)."""

import os
from pathlib import Path

import dagster as dg

from arb_pipeline.paths import ArbHome

SANDBOX_SEARCHES = Path(__file__).resolve().parents[1] / "sandbox" / "searches.yaml"


class ArbHomeResource(dg.ConfigurableResource):
    """The ARB_HOME state folder (lake, warehouse, outbox, models, state.db, archive)."""

    path: str | None = None

    def located(self) -> ArbHome:
        """The resolved folders, not created (for reading configuration when definitions load)."""
        return ArbHome.from_env(self.path)

    def home(self) -> ArbHome:
        """The resolved folders, created if missing; ARB_HOME or `./.arb` when path is unset."""
        return self.located().ensure()


class AlertSettings(dg.ConfigurableResource):
    """Where saved searches live and how alerts are delivered; secrets read at run time."""

    searches_file: str | None = None
    sender: str = "arb-pipeline@localhost"
    proposal_max_age_days: float = 3.0

    def searches_path(self, home: ArbHome) -> Path:
        """The configured file, else ARB_HOME/searches.yaml, else the sandbox's searches."""
        if self.searches_file:
            return Path(self.searches_file)
        own = home.root / "searches.yaml"
        return own if own.exists() else SANDBOX_SEARCHES

    def api_key(self) -> str | None:
        """SENDGRID_API_KEY at run time; None means .eml files in the outbox."""
        return os.environ.get("SENDGRID_API_KEY") or None

    def sendgrid_host(self) -> str | None:
        """ARB_SENDGRID_HOST at run time (e.g. a regional endpoint or a test server)."""
        return os.environ.get("ARB_SENDGRID_HOST") or None

    def operator_emails(self) -> list[str]:
        """ARB_OPERATOR_EMAIL (comma-separated) at run time, else operator@localhost: who hears
        about failed runs."""
        raw = os.environ.get("ARB_OPERATOR_EMAIL", "")
        return [part.strip() for part in raw.split(",") if part.strip()] or ["operator@localhost"]

    def webhook_secret(self) -> str | None:
        """ARB_WEBHOOK_SECRET at run time (webhooks are signed with it; a .env file's trailing
        space or newline would sign with the wrong key)."""
        return os.environ.get("ARB_WEBHOOK_SECRET", "").strip() or None


# Bound once for every domain (a resource key may have only one value in the code location).
arb_home = ArbHomeResource()
alert_settings = AlertSettings()
shared_resources = dg.Definitions(
    resources={"arb_home": arb_home, "alert_settings": alert_settings}
)
