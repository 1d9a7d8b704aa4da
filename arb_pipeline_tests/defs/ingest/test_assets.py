"""The ingest assets in Dagster: faults show as failed checks and metadata, not crashes; real
marketplaces are crawled per saved search (the eBay Browse API with its OAuth token)."""

from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import dagster as dg

from arb_pipeline.defs.environment import from_environment
from arb_pipeline.defs.ingest.assets import raw_listings, raw_pages
from arb_pipeline.defs.ingest.resources import (
    CrawlResource,
    MarketplacesResource,
    SandboxResource,
)
from arb_pipeline.defs.resources import ArbHomeResource, SavedSearches
from arb_pipeline.sandbox.server import BROWSE_PATH, SandboxMarketplace
from arb_pipeline_tests.sources.test_ebay_auth import SECRET, StubTokenServer

DAY = date(2026, 11, 20)


def _materialize(arb_home, source: str, faults: list[str]) -> dg.ExecuteInProcessResult:
    key = dg.MultiPartitionKey({"date": DAY.isoformat(), "source": source})
    return dg.materialize(
        [raw_pages, raw_listings],
        partition_key=key,
        resources={
            "arb_home": ArbHomeResource(path=str(arb_home)),
            "sandbox": SandboxResource(faults=faults),
            "crawl": CrawlResource(blocked_retries=1, blocked_backoff_seconds=0),
            "marketplaces": MarketplacesResource(),
            "saved_searches": SavedSearches(),
        },
        raise_on_error=False,
    )


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {check.check_name: check for check in result.get_asset_check_evaluations()}


def test_http_500_fails_the_crawl_check_but_keeps_the_first_page(arb_home) -> None:
    result = _materialize(arb_home, "sandbox_ebay_api", ["ebay_api_500"])
    assert result.success
    checks = _checks(result)
    assert not checks["crawl_complete"].passed
    assert "HTTP 500" in checks["crawl_complete"].metadata["problems"].value
    assert checks["pages_parsed"].passed
    (listings,) = result.asset_materializations_for_node("raw_listings")
    assert listings.metadata["rows"].value == 50


def test_malformed_page_fails_the_run_at_once_and_lands_the_rest(arb_home) -> None:
    result = _materialize(arb_home, "sandbox_craigslist", ["craigslist_malformed"])
    assert not result.success  # parser_health is blocking: the run fails, the operator is told
    checks = _checks(result)
    assert not checks["parser_health"].passed
    assert "layout changed: sandbox_craigslist" in checks["parser_health"].description
    assert "cannot find the next page" in checks["crawl_complete"].metadata["problems"].value
    assert not checks["pages_parsed"].passed
    assert "s=25" in checks["pages_parsed"].metadata["quarantined"].value
    (listings,) = result.asset_materializations_for_node("raw_listings")
    assert listings.metadata["rows"].value == 25
    assert listings.metadata["pages_unrecognized"].value == 1
    assert listings.metadata["pages_results"].value == 1


def test_blocked_source_is_retried_then_fails_the_run_with_the_reason(arb_home) -> None:
    result = _materialize(arb_home, "sandbox_craigslist", ["craigslist_blocked"])
    assert not result.success
    retries = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert len(retries) == 1  # blocked_retries=1, then the failure
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    assert "blocked" in failure.step_failure_data.error.message


def test_clean_partition_passes_every_check(arb_home) -> None:
    result = _materialize(arb_home, "sandbox_ebay_finding", [])
    assert all(check.passed for check in _checks(result).values())


class RecordingSandbox(SandboxMarketplace):
    """The sandbox, also noting each request's path and auth headers."""

    def __init__(self, day: date) -> None:
        self.seen: list[tuple[str, str | None, str | None]] = []
        super().__init__(day)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        seen = self.seen

        class Handler(super()._handler_class()):
            def do_GET(self) -> None:  # noqa: N802
                marketplace = self.headers.get("X-EBAY-C-MARKETPLACE-ID")
                seen.append((self.path, self.headers.get("Authorization"), marketplace))
                super().do_GET()

        return Handler


SEARCHES = """\
searches:
  - name: phones
    marketplaces: [ebay_api]
    query: iphone
    price_max: 900
    recipients: [me@example.com]
  - name: laptops
    marketplaces: [ebay_api, craigslist]
    query: macbook
    recipients: [me@example.com]
"""


def _run_search(home: Path, sandbox, token_url: str, search: str) -> dg.ExecuteInProcessResult:
    (home / "searches.yaml").write_text(SEARCHES)
    return dg.materialize(
        [raw_pages, raw_listings],
        partition_key=dg.MultiPartitionKey({"date": DAY.isoformat(), "source": "ebay_api"}),
        resources={
            "arb_home": ArbHomeResource(path=str(home)),
            "sandbox": SandboxResource(),
            "crawl": CrawlResource(),
            # the eBay application's credentials and site from the environment
            "marketplaces": from_environment(
                "marketplaces",
                MarketplacesResource,
                base_urls={"ebay_api": sandbox.base_url},
                ebay_token_url=token_url,
            ),
            "saved_searches": SavedSearches(),
        },
        run_config={"ops": {"raw_pages": {"config": {"searches": [search]}}}},
        raise_on_error=False,
    )


def test_ebay_api_searches_crawl_with_one_cached_oauth_token(
    arb_home, monkeypatch, stub_server
) -> None:
    monkeypatch.setenv("EBAY_CLIENT_ID", "my-app-id")
    monkeypatch.setenv("EBAY_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("EBAY_MARKETPLACE_ID", "EBAY_GB")
    tokens = StubTokenServer(stub_server)
    tokens.grant("v^1.1#token-a")
    with RecordingSandbox(DAY) as sandbox:
        first = _run_search(arb_home, sandbox, tokens.url, "phones")
        second = _run_search(arb_home, sandbox, tokens.url, "laptops")
    assert first.success and second.success
    assert len(tokens.requests) == 1  # the second run reused the cached token
    api_calls = [seen for seen in sandbox.seen if seen[0].startswith(BROWSE_PATH)]
    assert {(auth, site) for _, auth, site in api_calls} == {("Bearer v^1.1#token-a", "EBAY_GB")}
    assert any("q=iphone" in path and "price%3A%5B..900%5D" in path for path, _, _ in api_calls)
    assert any("q=macbook" in path for path, _, _ in api_calls)
    partition = arb_home / "archive" / "source=ebay_api" / "date=2026-11-20"
    assert sorted(p.name for p in partition.iterdir()) == ["search=laptops", "search=phones"]
    (pages,) = second.asset_materializations_for_node("raw_pages")
    assert pages.metadata["searches"].value == "laptops"
    (first_rows,) = first.asset_materializations_for_node("raw_listings")
    (both_rows,) = second.asset_materializations_for_node("raw_listings")
    assert both_rows.metadata["rows"].value == 2 * first_rows.metadata["rows"].value
    logged = " ".join(str(event) for event in first.all_events + second.all_events)
    assert SECRET not in logged and "token-a" not in logged


def test_ebay_api_without_credentials_fails_naming_them(arb_home, monkeypatch) -> None:
    monkeypatch.delenv("EBAY_CLIENT_ID", raising=False)
    monkeypatch.delenv("EBAY_CLIENT_SECRET", raising=False)
    with RecordingSandbox(DAY) as sandbox:
        result = _run_search(arb_home, sandbox, "http://127.0.0.1:9/token", "phones")
    assert not result.success and sandbox.seen == []
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    assert "EBAY_CLIENT_ID, EBAY_CLIENT_SECRET" in failure.step_failure_data.error.message


def test_broken_searches_file_fails_a_real_marketplace_run_with_file_and_line(arb_home) -> None:
    (arb_home / "searches.yaml").write_text("searches:\n  - name: phones\n    price_max: lots\n")
    key = dg.MultiPartitionKey({"date": DAY.isoformat(), "source": "craigslist"})
    result = dg.materialize(
        [raw_pages],
        partition_key=key,
        resources={
            "arb_home": ArbHomeResource(path=str(arb_home)),
            "sandbox": SandboxResource(),
            "crawl": CrawlResource(),
            "marketplaces": MarketplacesResource(),
            "saved_searches": SavedSearches(),
        },
        raise_on_error=False,
    )
    (failure,) = [event for event in result.all_events if event.is_step_failure]
    assert "searches.yaml:3: search 'phones' field 'price_max'" in (
        failure.step_failure_data.error.message
    )
