"""Alerts resources: who vets a deal before it is sent (OpenAI when a key is set)."""

import os
from pathlib import Path

import dagster as dg

from arb_pipeline.alerts.vetting import DEFAULT_DAILY_CAP, DEFAULT_MODEL, OpenAIVetter


class VettingResource(dg.ConfigurableResource):
    """OpenAI vetting: OPENAI_API_KEY (unset: the rules decide alone), OPENAI_BASE_URL,
    ARB_OPENAI_MODEL and ARB_OPENAI_DAILY_CAP, read at run time."""

    def vetter(self, cache_path: Path) -> OpenAIVetter | None:
        """An OpenAIVetter answering from `cache_path` first, or None when no key is set."""
        api_key = os.environ.get("OPENAI_API_KEY", "").strip()
        if not api_key:
            return None
        cap = os.environ.get("ARB_OPENAI_DAILY_CAP", "").strip() or str(DEFAULT_DAILY_CAP)
        try:
            daily_call_cap = int(cap)
        except ValueError:
            raise ValueError(f"ARB_OPENAI_DAILY_CAP must be an integer, got {cap!r}") from None
        return OpenAIVetter(
            api_key,
            model=os.environ.get("ARB_OPENAI_MODEL", "").strip() or DEFAULT_MODEL,
            base_url=os.environ.get("OPENAI_BASE_URL", "").strip() or None,
            cache_path=cache_path,
            daily_call_cap=daily_call_cap,
        )


alerts_resources = dg.Definitions(resources={"vetting": VettingResource()})
