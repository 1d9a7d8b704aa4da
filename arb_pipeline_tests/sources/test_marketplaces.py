"""What each real marketplace's crawl needs; Vinted's session cookie against a local stub."""

import json
import re
from datetime import date
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from arb_pipeline.ingest import archive_dir, fetch_searches, parse_archive
from arb_pipeline.paths import ArbHome
from arb_pipeline.searches import Search
from arb_pipeline.sources.crawl import CrawlSettings
from arb_pipeline.sources.marketplaces import MarketplaceAccess

DAY = date(2026, 11, 20)


class StubVinted:
    """Vinted on the shared stub server: `/` sets the session cookie the catalog API requires;
    any other path (robots.txt) is not found."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.url = server.url_for("/").rstrip("/")
        home = Response("<html>home</html>", content_type="text/html")
        home.set_cookie("access_token_web", "session-1", path="/")
        server.expect_request("/").respond_with_response(home)
        server.expect_request("/api/v2/catalog/items").respond_with_handler(self._catalog)
        server.expect_request(re.compile(".*")).respond_with_data("not found", status=404)

    @property
    def api_cookies(self) -> list[str | None]:
        """The Cookie header of each catalog API request, in order."""
        return [
            request.headers.get("Cookie")
            for request, _ in self.server.log
            if request.path == "/api/v2/catalog/items"
        ]

    def _catalog(self, request: Request) -> Response:
        if request.headers.get("Cookie") != "access_token_web=session-1":
            expired = json.dumps({"code": 100, "message": "Token expired"})
            return Response(expired, status=401, content_type="application/json")
        page = int(request.args["page"])
        items = [
            {
                "id": page * 10 + n,
                "title": f"Nintendo Switch {page}-{n}",
                "price": {"amount": "120.0", "currency_code": "GBP"},
                "status": "Very good",
                "url": f"/items/{page * 10 + n}",
            }
            for n in range(2)
        ]
        body = {"items": items, "pagination": {"current_page": page, "total_pages": 2}}
        return Response(json.dumps(body), content_type="application/json")


@pytest.fixture
def vinted(stub_server: HTTPServer) -> StubVinted:
    return StubVinted(stub_server)


def test_vinted_search_gets_the_session_cookie_first_and_pages_through(
    arb_home: Path, vinted: StubVinted
) -> None:
    home = ArbHome(arb_home).ensure()
    search = Search(name="switch", query="switch", recipients=["me@example.com"])
    access = MarketplaceAccess(base_urls={"vinted": vinted.url})
    reports, failures = fetch_searches(home, "vinted", DAY, [search], access, CrawlSettings())
    assert failures == [] and [r.pages for r in reports] == [2]
    assert vinted.api_cookies == ["access_token_web=session-1"] * 2
    parsed = parse_archive(home, "vinted", DAY)
    assert parsed.rows == 4 and parsed.quarantined == []
    index = (archive_dir(home, "vinted", DAY) / "search=switch" / "pages.jsonl").read_text()
    assert "/api/v2/catalog/items" in index and '"url": "' + vinted.url + '/"' not in index


def test_facebook_crawl_needs_a_browser_and_an_existing_login_state(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="ARB_FACEBOOK_STORAGE_STATE"):
        MarketplaceAccess().crawl_settings("facebook", CrawlSettings())
    with pytest.raises(FileNotFoundError, match="does not exist"):
        MarketplaceAccess(facebook_storage_state=str(tmp_path / "missing.json")).crawl_settings(
            "facebook", CrawlSettings()
        )
    state = tmp_path / "state.json"
    state.write_text('{"cookies": [], "origins": []}')
    settings = MarketplaceAccess(facebook_storage_state=str(state)).crawl_settings(
        "facebook", CrawlSettings()
    )
    assert settings.render_js and settings.storage_state == str(state)


def test_vinted_crawl_first_visits_the_home_page_for_its_session_cookie() -> None:
    access = MarketplaceAccess(base_urls={"vinted": "http://127.0.0.1:9/"})
    settings = access.crawl_settings("vinted", CrawlSettings())
    assert settings.warmup_url == "http://127.0.0.1:9/"
    assert settings.headers["Accept"] == "application/json"


def test_ebay_api_crawl_without_credentials_says_which_are_missing() -> None:
    with pytest.raises(ValueError, match="EBAY_CLIENT_ID and EBAY_CLIENT_SECRET"):
        MarketplaceAccess().crawl_settings("ebay_api", CrawlSettings())
