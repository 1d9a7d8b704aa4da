"""Resources from the environment: a set variable is bound as dg.EnvVar (the UI shows its name,
a run reads its value), an unset or blank one leaves the README's default."""

from pathlib import Path

import dagster as dg
import pytest
from dagster._core.remote_representation.external_data import (
    RepositorySnap,
    ResourceConfigEnvVarSnap,
)

from arb_pipeline.defs.alerts.resources import VettingResource
from arb_pipeline.defs.environment import (
    VARIABLES,
    command_settings,
    from_environment,
    resolved,
)
from arb_pipeline.defs.ingest.resources import MarketplacesResource
from arb_pipeline.defs.resources import AlertSettings, ArbHomeResource
from arb_pipeline.paths import PROJECT_ROOT

SECRET = "SG.do-not-show-me"


def _clear(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    for name in VARIABLES[key].values():
        if isinstance(name, str):
            monkeypatch.delenv(name, raising=False)


def test_unset_and_blank_variables_keep_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    _clear(monkeypatch, "alert_settings")
    monkeypatch.setenv("ARB_WEBHOOK_SECRET", " \n")
    settings = from_environment("alert_settings", AlertSettings)
    assert settings == AlertSettings()
    assert settings.operator_emails() == ["operator@localhost"]
    assert (settings.api_key(), settings.webhook_secret(), settings.budgets()) == (
        None,
        None,
        AlertSettings().budgets(),
    )


def test_the_ui_shows_the_variable_name_never_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    _clear(monkeypatch, "alert_settings")
    monkeypatch.setenv("SENDGRID_API_KEY", SECRET)
    resources = {"alert_settings": from_environment("alert_settings", AlertSettings)}
    snap = RepositorySnap.from_def(dg.Definitions(resources=resources).get_repository_def())
    (settings,) = [resource for resource in snap.resources if resource.name == "alert_settings"]
    assert settings.configured_values["sendgrid_key"] == ResourceConfigEnvVarSnap(
        name="SENDGRID_API_KEY"
    )
    assert SECRET not in repr(snap.resources)


def test_a_run_reads_the_value_when_it_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    _clear(monkeypatch, "alert_settings")
    monkeypatch.setenv("SENDGRID_API_KEY", "SG.at-load")
    monkeypatch.setenv("ARB_OPERATOR_EMAIL", "a@example.com, b@example.com")
    monkeypatch.setenv("ARB_WEBHOOK_SECRET", "key \n")
    seen: list[tuple] = []

    @dg.asset
    def delivery(alert_settings: AlertSettings) -> None:
        seen.append(
            (
                alert_settings.api_key(),
                alert_settings.operator_emails(),
                alert_settings.webhook_secret(),
            )
        )

    resources = {"alert_settings": from_environment("alert_settings", AlertSettings)}
    monkeypatch.setenv("SENDGRID_API_KEY", "SG.at-run")
    assert dg.materialize([delivery], resources=resources).success
    assert seen == [("SG.at-run", ["a@example.com", "b@example.com"], "key")]


def test_budgets_are_read_as_numbers_and_name_a_bad_one(monkeypatch: pytest.MonkeyPatch) -> None:
    _clear(monkeypatch, "alert_settings")
    monkeypatch.setenv("ARB_BUDGET_DAILY", "500")
    monkeypatch.setenv("ARB_BUDGET_TOTAL", "")
    monkeypatch.setenv("ARB_BUDGET_PER_ITEM", "250.5")
    budgets = command_settings().alert_settings.budgets()
    assert (budgets.daily, budgets.total, budgets.per_item) == (500.0, None, 250.5)
    monkeypatch.setenv("ARB_BUDGET_TOTAL", "lots")
    with pytest.raises(ValueError, match="ARB_BUDGET_TOTAL must be a number, got 'lots'"):
        command_settings().alert_settings.budgets()


def test_the_cli_home_wins_over_arb_home_and_keeps_the_state_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _clear(monkeypatch, "arb_home")
    assert command_settings().arb_home.located().root == PROJECT_ROOT / ".arb"
    monkeypatch.setenv("ARB_HOME", str(tmp_path / "env"))
    monkeypatch.setenv("ARB_STATE_URL", "postgresql+psycopg2://arb@db/arb")
    assert command_settings().arb_home.located().root == tmp_path / "env"
    home = command_settings(str(tmp_path / "given")).arb_home.located()
    assert (home.root, home.state_url) == (tmp_path / "given", "postgresql+psycopg2://arb@db/arb")


def test_the_definitions_resource_locates_arb_home_outside_a_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ARB_HOME", str(tmp_path))
    bound = from_environment("arb_home", ArbHomeResource)
    assert bound.located().root == tmp_path  # as saved_searches.py reads it at load time


def test_resolved_reads_every_bound_variable_and_passes_a_plain_resource_through(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ARB_OPENAI_DAILY_CAP", "7")
    monkeypatch.setenv("ARB_MERCARI_URL", "http://127.0.0.1:9/mercari")
    vetting = resolved(from_environment("vetting", VettingResource))
    assert vetting.daily_call_cap == 7 and type(vetting.daily_call_cap) is int
    marketplaces = resolved(from_environment("marketplaces", MarketplacesResource))
    assert marketplaces.base_urls["mercari"] == "http://127.0.0.1:9/mercari"
    assert type(marketplaces.base_urls["mercari"]) is str
    plain = ArbHomeResource(path=str(tmp_path))  # nothing to read: the same object back
    assert resolved(plain) is plain
