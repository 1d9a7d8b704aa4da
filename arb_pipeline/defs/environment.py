"""The environment variables: the one module of the package that reads them (README,
Environment variables).

Every secret, URL and path a resource takes from the environment is a field bound here to
`dg.EnvVar("NAME")`, as dagster-open-platform's resources do: the Dagster UI shows the
variable's name, never its value, and Dagster reads the value when a run starts, so a variable
set before `dagster dev` starts applies. A `dg.EnvVar` whose variable is unset fails the run,
and most of these are optional, so a field is bound only when its variable is set (to more
than blanks); otherwise it keeps the default the README gives. The Dagster definitions
(`defs/*/resources.py`) and the CLI build their resources with the same `from_environment`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import dagster as dg

if TYPE_CHECKING:
    from arb_pipeline.defs.resources import AlertSettings, ArbHomeResource, ReportingSettings

Resource = TypeVar("Resource", bound=dg.ConfigurableResource)
# what a field bound to a variable holds until a run reads it: dg.EnvVar, or dg.EnvVar.int's
# type (an int subclass Dagster does not export)
ENV_VAR_TYPES = (dg.EnvVar, type(dg.EnvVar.int("ARB_UNUSED")))

# resource key -> field -> the variable it is read from (a dict field: entry -> variable)
VARIABLES: dict[str, dict[str, str | dict[str, str]]] = {
    "arb_home": {"path": "ARB_HOME", "state_url": "ARB_STATE_URL"},
    "alert_settings": {
        "sendgrid_key": "SENDGRID_API_KEY",
        "sendgrid_url": "ARB_SENDGRID_HOST",
        "webhook_key": "ARB_WEBHOOK_SECRET",
        "operator_email": "ARB_OPERATOR_EMAIL",
        "budget_daily": "ARB_BUDGET_DAILY",
        "budget_total": "ARB_BUDGET_TOTAL",
        "budget_per_item": "ARB_BUDGET_PER_ITEM",
    },
    "reporting": {"currency": "ARB_REPORTING_CURRENCY"},
    "vetting": {
        "api_key": "OPENAI_API_KEY",
        "base_url": "OPENAI_BASE_URL",
        "model": "ARB_OPENAI_MODEL",
        "daily_call_cap": "ARB_OPENAI_DAILY_CAP",
    },
    "crawl": {
        "proxies": "ARB_PROXIES",
        "ignore_robots": "ARB_IGNORE_ROBOTS",
        "chromium": "ARB_CHROMIUM",
    },
    "marketplaces": {
        "base_urls": {},  # ARB_<SOURCE>_URL for each marketplace, filled in by variables()
        "ebay_client_id": "EBAY_CLIENT_ID",
        "ebay_client_secret": "EBAY_CLIENT_SECRET",
        "ebay_token_url": "EBAY_TOKEN_URL",
        "ebay_marketplace_id": "EBAY_MARKETPLACE_ID",
        "facebook_storage_state": "ARB_FACEBOOK_STORAGE_STATE",
        "mercari_query_hash": "ARB_MERCARI_QUERY_HASH",
    },
    "fx_rates": {"url": "ARB_FX_RATES_URL"},
}


def variables(key: str) -> dict[str, str | dict[str, str]]:
    """The fields of resource `key` and the variables they are read from."""
    if key != "marketplaces":
        return VARIABLES[key]
    # imported here: the registry loads every parser, which the CLI's store commands never need
    from arb_pipeline.sources.registry import MARKETPLACE_SOURCES

    urls = {name: f"ARB_{name.upper()}_URL" for name in MARKETPLACE_SOURCES}
    return {**VARIABLES[key], "base_urls": urls}


def _is_set(name: str) -> bool:
    """Whether the variable holds more than blanks."""
    return bool(os.environ.get(name, "").strip())


def _env_var(resource_type: type[dg.ConfigurableResource], field: str, name: str) -> Any:
    """`dg.EnvVar(name)`, or its int flavour for an int field (Dagster converts it at run start
    and names the variable when the value is not a whole number)."""
    if resource_type.model_fields[field].annotation is int:
        return dg.EnvVar.int(name)
    return dg.EnvVar(name)


def from_environment(key: str, resource_type: type[Resource], **values: Any) -> Resource:
    """`resource_type(**values)` (None values left out), its other fields of variables(key)
    bound to their variables when set."""
    bound: dict[str, Any] = {}
    for field, name in variables(key).items():
        if isinstance(name, dict):
            entries = {entry: dg.EnvVar(var) for entry, var in name.items() if _is_set(var)}
            if entries:
                bound[field] = entries
        elif _is_set(name):
            bound[field] = _env_var(resource_type, field, name)
    given = {field: value for field, value in values.items() if value is not None}
    return resource_type(**{**bound, **given})


def resolved(resource: Resource) -> Resource:
    """The resource with its variables read now, as a run's assets get it (for code that uses
    a resource outside a run: the CLI, definitions loading, a sensor)."""
    if not any(_holds_env_var(value) for value in resource.model_dump().values()):
        # nothing to read: resolving would only build a throwaway Dagster instance (50-500 ms)
        return resource
    return resource.process_config_and_initialize()


def _holds_env_var(value: Any) -> bool:
    """Whether a field's value is, or maps entries to, a `dg.EnvVar` (or its int flavour)."""
    if isinstance(value, dict):
        return any(_holds_env_var(entry) for entry in value.values())
    return isinstance(value, ENV_VAR_TYPES)


def dagster_home() -> str | None:
    """DAGSTER_HOME, the Dagster instance folder, when set."""
    return os.environ.get("DAGSTER_HOME") or None


@dataclass(frozen=True)
class CommandSettings:
    """What the CLI's commands read, resolved: the same resources the definitions bind."""

    arb_home: ArbHomeResource
    alert_settings: AlertSettings
    reporting: ReportingSettings


def command_settings(home: str | None = None) -> CommandSettings:
    """The CLI's resources: the state folder is `home` (--home) when given, else ARB_HOME."""
    # imported here: defs.resources builds its resources with this module
    from arb_pipeline.defs.resources import AlertSettings, ArbHomeResource, ReportingSettings

    return CommandSettings(
        arb_home=resolved(from_environment("arb_home", ArbHomeResource, path=home)),
        alert_settings=resolved(from_environment("alert_settings", AlertSettings)),
        reporting=resolved(from_environment("reporting", ReportingSettings)),
    )
