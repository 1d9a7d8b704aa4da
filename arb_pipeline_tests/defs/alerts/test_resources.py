"""The alerts domain's resources: vetting configured from the OPENAI_* variables."""

from pathlib import Path

import dagster as dg
import pytest

from arb_pipeline.defs.alerts.resources import VettingResource
from arb_pipeline.defs.environment import from_environment, resolved

API_KEY = "sk-test-vetting"
NAMES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ARB_OPENAI_MODEL", "ARB_OPENAI_DAILY_CAP")


def test_vetter_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    unset = resolved(from_environment("vetting", VettingResource))
    assert unset.vetter(tmp_path / "v.sqlite") is None

    monkeypatch.setenv("OPENAI_API_KEY", f" {API_KEY}\n")
    monkeypatch.setenv("ARB_OPENAI_MODEL", "gpt-x")
    monkeypatch.setenv("ARB_OPENAI_DAILY_CAP", "7")
    vetter = resolved(from_environment("vetting", VettingResource)).vetter(tmp_path / "v.sqlite")
    assert vetter is not None
    assert (vetter.name, vetter.daily_call_cap) == ("openai:gpt-x", 7)

    monkeypatch.setenv("ARB_OPENAI_DAILY_CAP", "lots")
    with pytest.raises(dg.DagsterInvalidConfigError) as caught:
        resolved(from_environment("vetting", VettingResource))
    assert 'env variable "ARB_OPENAI_DAILY_CAP" cannot be coerced into an int' in str(caught.value)
