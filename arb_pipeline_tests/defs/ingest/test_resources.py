"""The ingest domain's resources: the marketplaces' and crawl's settings from the environment."""

import pytest

from arb_pipeline.defs.environment import from_environment, resolved
from arb_pipeline.defs.ingest.resources import CrawlResource, MarketplacesResource
from arb_pipeline.paths import ArbHome
from arb_pipeline.sources.crawl import CHROMIUM
from arb_pipeline.sources.ebay_auth import DEFAULT_TOKEN_URL, EbayAuthError
from arb_pipeline_tests.sources.test_ebay_auth import SECRET

EBAY = ("EBAY_CLIENT_ID", "EBAY_CLIENT_SECRET", "EBAY_TOKEN_URL", "EBAY_MARKETPLACE_ID")


def _marketplaces() -> MarketplacesResource:
    return resolved(from_environment("marketplaces", MarketplacesResource))


def test_ebay_credentials_name_the_missing_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in EBAY:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(EbayAuthError, match="EBAY_CLIENT_ID, EBAY_CLIENT_SECRET"):
        _marketplaces().ebay_credentials()
    monkeypatch.setenv("EBAY_CLIENT_ID", "app")
    with pytest.raises(EbayAuthError) as caught:
        _marketplaces().ebay_credentials()
    assert "EBAY_CLIENT_SECRET" in str(caught.value) and "EBAY_CLIENT_ID" not in str(caught.value)
    monkeypatch.setenv("EBAY_CLIENT_SECRET", SECRET)
    assert _marketplaces().ebay_credentials().token_url == DEFAULT_TOKEN_URL
    monkeypatch.setenv("EBAY_TOKEN_URL", "http://127.0.0.1:9/token")
    creds = _marketplaces().ebay_credentials()
    assert (creds.client_id, creds.client_secret, creds.token_url) == (
        "app",
        SECRET,
        "http://127.0.0.1:9/token",
    )


def test_marketplace_urls_site_and_logins_come_from_their_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    for name in ("ARB_CRAIGSLIST_URL", "ARB_VINTED_URL", "ARB_MERCARI_QUERY_HASH", *EBAY):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ARB_VINTED_URL", "https://www.vinted.de")
    monkeypatch.setenv("EBAY_MARKETPLACE_ID", "EBAY_DE")
    monkeypatch.setenv("ARB_FACEBOOK_STORAGE_STATE", str(tmp_path / "state.json"))
    access = _marketplaces().access(ArbHome(tmp_path), "vinted")
    assert access.base_urls == {"vinted": "https://www.vinted.de"}
    assert access.ebay_marketplace_id == "EBAY_DE" and access.ebay_credentials is None
    assert access.facebook_storage_state == str(tmp_path / "state.json")
    assert access.mercari_query_hash is None
    monkeypatch.delenv("EBAY_MARKETPLACE_ID")
    assert _marketplaces().access(ArbHome(tmp_path), "vinted").ebay_marketplace_id == "EBAY_US"


def test_crawl_settings_read_proxies_robots_and_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ARB_PROXIES", "ARB_IGNORE_ROBOTS", "ARB_CHROMIUM"):
        monkeypatch.delenv(name, raising=False)
    plain = resolved(from_environment("crawl", CrawlResource)).settings_for("gumtree")
    assert (plain.proxies, plain.obey_robots, plain.chromium) == ([], True, CHROMIUM)
    monkeypatch.setenv("ARB_PROXIES", "http://p1:8080, http://p2:8080,")
    monkeypatch.setenv("ARB_IGNORE_ROBOTS", "gumtree, olx")
    monkeypatch.setenv("ARB_CHROMIUM", "/opt/chromium/chrome")
    crawl = resolved(from_environment("crawl", CrawlResource))
    gumtree, ebay = crawl.settings_for("gumtree"), crawl.settings_for("ebay")
    assert gumtree.proxies == ["http://p1:8080", "http://p2:8080"]
    assert (gumtree.obey_robots, ebay.obey_robots) == (False, True)
    assert gumtree.chromium == "/opt/chromium/chrome"
