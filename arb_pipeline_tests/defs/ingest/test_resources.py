"""The ingest domain's resources read the marketplaces' credentials at run time."""

import pytest

from arb_pipeline.defs.ingest.resources import MarketplacesResource
from arb_pipeline.sources.ebay_auth import EbayAuthError
from arb_pipeline_tests.sources.test_ebay_auth import SECRET


def test_from_env_names_missing_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EBAY_CLIENT_ID", raising=False)
    monkeypatch.delenv("EBAY_CLIENT_SECRET", raising=False)
    with pytest.raises(EbayAuthError, match="EBAY_CLIENT_ID, EBAY_CLIENT_SECRET"):
        MarketplacesResource().ebay_credentials()
    monkeypatch.setenv("EBAY_CLIENT_ID", "app")
    with pytest.raises(EbayAuthError) as caught:
        MarketplacesResource().ebay_credentials()
    assert "EBAY_CLIENT_SECRET" in str(caught.value) and "EBAY_CLIENT_ID" not in str(caught.value)
    monkeypatch.setenv("EBAY_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("EBAY_TOKEN_URL", "http://127.0.0.1:9/token")
    creds = MarketplacesResource().ebay_credentials()
    assert (creds.client_id, creds.client_secret, creds.token_url) == (
        "app",
        SECRET,
        "http://127.0.0.1:9/token",
    )
