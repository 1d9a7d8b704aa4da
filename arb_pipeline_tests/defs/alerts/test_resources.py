"""The alerts domain's resources read their settings at run time."""

from pathlib import Path

import pytest

from arb_pipeline.defs.alerts.resources import VettingResource

API_KEY = "sk-test-vetting"


def test_vetter_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ARB_OPENAI_MODEL", "ARB_OPENAI_DAILY_CAP"):
        monkeypatch.delenv(name, raising=False)
    assert VettingResource().vetter(tmp_path / "v.sqlite") is None

    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.setenv("ARB_OPENAI_MODEL", "gpt-x")
    monkeypatch.setenv("ARB_OPENAI_DAILY_CAP", "7")
    vetter = VettingResource().vetter(tmp_path / "v.sqlite")
    assert vetter is not None
    assert (vetter.name, vetter.daily_call_cap) == ("openai:gpt-x", 7)

    monkeypatch.setenv("ARB_OPENAI_DAILY_CAP", "lots")
    with pytest.raises(ValueError, match="ARB_OPENAI_DAILY_CAP"):
        VettingResource().vetter(tmp_path / "v.sqlite")
