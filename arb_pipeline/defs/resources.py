"""Resources every domain shares: where state lives, the saved searches and alert settings
(ingest crawls the searches, alerts sends their deals), and the reporting currency. Fields fed
by environment variables are bound in `arb_pipeline.defs.environment`."""

from pathlib import Path

import dagster as dg

from arb_pipeline.alerts.store import Budgets
from arb_pipeline.defs.environment import from_environment, resolved
from arb_pipeline.paths import ArbHome

SANDBOX_SEARCHES = Path(__file__).resolve().parents[1] / "sandbox" / "searches.yaml"
OPERATOR_EMAIL = "operator@localhost"


class ArbHomeResource(dg.ConfigurableResource):
    """The ARB_HOME state folder (lake, warehouse, outbox, models, state.db, archive) and the
    alert/proposal store (ARB_STATE_URL; unset: state.db in the folder)."""

    path: str | None = None
    state_url: str | None = None

    def located(self) -> ArbHome:
        """The resolved folders, not created (for reading configuration when definitions load);
        `.arb` in the project when path is unset."""
        settings = resolved(self)
        return ArbHome.at(settings.path, settings.state_url)

    def home(self) -> ArbHome:
        """The resolved folders, created if missing."""
        return self.located().ensure()


class SavedSearches(dg.ConfigurableResource):
    """The saved searches file: what ingest crawls and what alerts match deals against."""

    file: str | None = None

    def path(self, home: ArbHome) -> Path:
        """The configured file, else ARB_HOME/searches.yaml, else the sandbox's searches."""
        if self.file:
            return Path(self.file)
        own = home.root / "searches.yaml"
        return own if own.exists() else SANDBOX_SEARCHES


class AlertSettings(dg.ConfigurableResource):
    """How alerts are delivered (SendGrid key and host, webhook signing key, operator's
    address) and the budgets approvals are checked against."""

    sender: str = "arb-pipeline@localhost"
    proposal_max_age_days: float = 3.0
    sendgrid_key: str | None = None
    sendgrid_url: str | None = None
    webhook_key: str | None = None
    operator_email: str = OPERATOR_EMAIL
    # amounts as text, the way the variables hold them; unset: no limit
    budget_daily: str | None = None
    budget_total: str | None = None
    budget_per_item: str | None = None

    def api_key(self) -> str | None:
        """The SendGrid API key; None means .eml files in the outbox."""
        return self.sendgrid_key or None

    def sendgrid_host(self) -> str | None:
        """The SendGrid API host (e.g. a regional endpoint or a test server); None: the default."""
        return self.sendgrid_url or None

    def operator_emails(self) -> list[str]:
        """Who hears about failed runs (comma-separated), else operator@localhost."""
        parts = [part.strip() for part in self.operator_email.split(",")]
        return [part for part in parts if part] or [OPERATOR_EMAIL]

    def webhook_secret(self) -> str | None:
        """The webhooks' signing key, stripped (a .env file's trailing space or newline would
        sign with the wrong key)."""
        return (self.webhook_key or "").strip() or None

    def budgets(self) -> Budgets:
        """The daily, total and per-item spend limits (ARB_BUDGET_DAILY, ARB_BUDGET_TOTAL,
        ARB_BUDGET_PER_ITEM); ValueError naming the one that is not a number."""
        return Budgets(
            daily=_amount("ARB_BUDGET_DAILY", self.budget_daily),
            total=_amount("ARB_BUDGET_TOTAL", self.budget_total),
            per_item=_amount("ARB_BUDGET_PER_ITEM", self.budget_per_item),
        )


def _amount(name: str, raw: str | None) -> float | None:
    """A budget amount; None when blank."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {text!r}") from None


class ReportingSettings(dg.ConfigurableResource):
    """The one currency every amount is also reported in (ARB_REPORTING_CURRENCY)."""

    currency: str = "USD"

    def code(self) -> str:
        """The ISO 4217 code, upper case."""
        return self.currency.strip().upper()


# Bound once for every domain (a resource key may have only one value in the code location).
arb_home = from_environment("arb_home", ArbHomeResource)
alert_settings = from_environment("alert_settings", AlertSettings)
saved_searches = SavedSearches()
shared_resources = dg.Definitions(
    resources={
        "arb_home": arb_home,
        "alert_settings": alert_settings,
        "saved_searches": saved_searches,
        "reporting": from_environment("reporting", ReportingSettings),
    }
)
