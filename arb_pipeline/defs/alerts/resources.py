"""Alerts resources: who vets a deal before it is sent (OpenAI when a key is set)."""

from pathlib import Path

import dagster as dg

from arb_pipeline.alerts.vetting import DEFAULT_DAILY_CAP, DEFAULT_MODEL, OpenAIVetter
from arb_pipeline.defs.environment import from_environment


class VettingResource(dg.ConfigurableResource):
    """OpenAI vetting: the API key (OPENAI_API_KEY; unset: the rules decide alone), base URL
    (OPENAI_BASE_URL), model (ARB_OPENAI_MODEL) and calls per day (ARB_OPENAI_DAILY_CAP)."""

    api_key: str | None = None
    base_url: str | None = None
    model: str = DEFAULT_MODEL
    daily_call_cap: int = DEFAULT_DAILY_CAP

    def vetter(self, cache_path: Path) -> OpenAIVetter | None:
        """An OpenAIVetter answering from `cache_path` first, or None when no key is set."""
        api_key = (self.api_key or "").strip()
        if not api_key:
            return None
        return OpenAIVetter(
            api_key,
            model=self.model.strip() or DEFAULT_MODEL,
            base_url=(self.base_url or "").strip() or None,
            cache_path=cache_path,
            daily_call_cap=self.daily_call_cap,
        )


alerts_resources = dg.Definitions(
    resources={"vetting": from_environment("vetting", VettingResource)}
)
