"""eBay OAuth token cache against a local stub token endpoint, and Browse search URLs."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from arb_pipeline.sources.ebay_auth import (
    EbayAuthError,
    EbayCredentials,
    TokenCache,
    request_headers,
    search_url,
)

SECRET = "PRD-s3cr3t-value-42"


class StubTokenServer:
    """eBay's OAuth token endpoint on the shared stub server, answering from a queue of
    (status, body) replies (500 once the queue is empty)."""

    PATH = "/identity/v1/oauth2/token"

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.replies: list[tuple[int, dict[str, Any]]] = []
        self.url = server.url_for(self.PATH)
        server.expect_request(self.PATH, method="POST").respond_with_handler(self._answer)

    def _answer(self, request: Request) -> Response:
        status, payload = self.replies.pop(0) if self.replies else (500, {})
        return Response(json.dumps(payload), status=status, content_type="application/json")

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request the endpoint got: path, headers and the decoded form."""
        return [
            {
                "path": request.path,
                "headers": dict(request.headers),
                "form": parse_qs(request.get_data(as_text=True)),
            }
            for request, _ in self.server.log
        ]

    def grant(self, token: str, expires_in: int = 7200) -> None:
        """Queue a successful token reply."""
        self.replies.append(
            (200, {"access_token": token, "expires_in": expires_in, "token_type": "Bearer"})
        )


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def stub(stub_server: HTTPServer) -> StubTokenServer:
    return StubTokenServer(stub_server)


@pytest.fixture
def creds(stub: StubTokenServer) -> EbayCredentials:
    return EbayCredentials("my-app-id", SECRET, token_url=stub.url)


def cache(path: Path, clock: Clock | None = None) -> TokenCache:
    return TokenCache(path, base_delay=0.01, clock=clock or Clock())


def test_token_request_uses_basic_auth_and_client_credentials_form(
    stub: StubTokenServer, creds: EbayCredentials, tmp_path: Path
) -> None:
    stub.grant("v^1.1#token-a")
    assert cache(tmp_path / "tokens.json").get_token(creds) == "v^1.1#token-a"
    (request,) = stub.requests
    assert request["path"] == "/identity/v1/oauth2/token"
    expected = base64.b64encode(f"my-app-id:{SECRET}".encode()).decode()
    assert request["headers"]["Authorization"] == f"Basic {expected}"
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert request["form"] == {
        "grant_type": ["client_credentials"],
        "scope": ["https://api.ebay.com/oauth/api_scope"],
    }


def test_token_is_cached_in_a_private_file_and_survives_a_restart(
    stub: StubTokenServer, creds: EbayCredentials, tmp_path: Path
) -> None:
    path = tmp_path / "state" / "tokens.json"
    stub.grant("token-a")
    first = cache(path)
    assert first.get_token(creds) == "token-a"
    assert first.get_token(creds) == "token-a"
    assert cache(path).get_token(creds) == "token-a"  # a new process, same file
    assert len(stub.requests) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SECRET not in path.read_text()
    assert list(json.loads(path.read_text())) == ["my-app-id"]


def test_expired_token_is_refreshed(
    stub: StubTokenServer, creds: EbayCredentials, tmp_path: Path
) -> None:
    clock = Clock()
    tokens = cache(tmp_path / "tokens.json", clock)
    stub.grant("token-a", expires_in=7200)
    stub.grant("token-b", expires_in=7200)
    assert tokens.get_token(creds) == "token-a"
    clock.now += 7200 - 61  # still inside the 60 s safety margin
    assert tokens.get_token(creds) == "token-a"
    clock.now += 2  # within 60 s of eBay's expiry: refresh early
    assert tokens.get_token(creds) == "token-b"
    assert len(stub.requests) == 2
    assert cache(tmp_path / "tokens.json", clock).get_token(creds) == "token-b"


def test_refused_credentials_raise_with_ebay_description_but_not_the_secret(
    stub: StubTokenServer, creds: EbayCredentials, tmp_path: Path
) -> None:
    stub.replies.append(
        (401, {"error": "invalid_client", "error_description": "client authentication failed"})
    )
    with pytest.raises(EbayAuthError) as caught:
        cache(tmp_path / "tokens.json").get_token(creds)
    assert "client authentication failed" in str(caught.value)
    assert "401" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert len(stub.requests) == 1  # a refusal is not retried
    assert not (tmp_path / "tokens.json").exists()


def test_transient_503_is_retried(
    stub: StubTokenServer, creds: EbayCredentials, tmp_path: Path
) -> None:
    stub.replies.append((503, {"error": "temporarily_unavailable"}))
    stub.grant("token-a")
    assert cache(tmp_path / "tokens.json").get_token(creds) == "token-a"
    assert len(stub.requests) == 2


def test_persistent_429_gives_up_after_three_tries(
    stub: StubTokenServer, creds: EbayCredentials, tmp_path: Path
) -> None:
    stub.replies += [(429, {"error": "rate_limited"})] * 3
    with pytest.raises(EbayAuthError, match="after 3 tries") as caught:
        cache(tmp_path / "tokens.json").get_token(creds)
    assert SECRET not in str(caught.value)
    assert len(stub.requests) == 3


def test_search_url_builds_ebay_filter_syntax() -> None:
    url = search_url(
        "nintendo switch oled",
        limit=500,
        offset=400,
        price_min=10,
        price_max=199.5,
        conditions=["new", "good"],
        buying_options=["FIXED_PRICE", "AUCTION"],
        category_ids=["139971"],
        sort="price",
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "api.ebay.com",
        "/buy/browse/v1/item_summary/search",
    )
    params = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert params == {
        "q": "nintendo switch oled",
        "limit": "200",
        "offset": "400",
        "filter": "price:[10..199.5],priceCurrency:USD,"
        "conditionIds:{1000|1750|3000|4000|5000},buyingOptions:{FIXED_PRICE|AUCTION}",
        "category_ids": "139971",
        "sort": "price",
    }


def test_search_url_open_price_range_and_no_filter() -> None:
    params = parse_qs(urlsplit(search_url("lens", price_min=50, currency="EUR")).query)
    assert params["filter"] == ["price:[50..],priceCurrency:EUR"]
    plain = parse_qs(urlsplit(search_url("lens", base_url="http://127.0.0.1:9")).query)
    assert "filter" not in plain and plain["limit"] == ["200"]
    with pytest.raises(ValueError, match="mint"):
        search_url("lens", conditions=["mint"])


def test_request_headers_carry_bearer_token_and_marketplace() -> None:
    assert request_headers("tok", "EBAY_DE") == {
        "Authorization": "Bearer tok",
        "X-EBAY-C-MARKETPLACE-ID": "EBAY_DE",
        "Accept": "application/json",
    }


def test_repr_hides_the_secret() -> None:
    creds = EbayCredentials("my-app-id", SECRET)
    assert SECRET not in repr(creds) and SECRET not in str(creds)
    assert "my-app-id" in repr(creds)
