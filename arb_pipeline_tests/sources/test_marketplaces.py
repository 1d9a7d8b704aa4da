"""What each real marketplace's crawl needs; Vinted's session cookie against a local stub."""

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from arb_pipeline.alerts.searches import Search
from arb_pipeline.ingest import archive_dir, fetch_searches, parse_archive
from arb_pipeline.paths import ArbHome
from arb_pipeline.sources.crawl import CrawlSettings
from arb_pipeline.sources.marketplaces import MarketplaceAccess

DAY = date(2026, 11, 20)


class StubVinted:
    """A local stand-in for Vinted: `/` sets the session cookie the catalog API requires."""

    def __init__(self) -> None:
        self.api_cookies: list[str | None] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                if parts.path == "/":
                    self._reply(200, b"<html>home</html>", "access_token_web=session-1; Path=/")
                    return
                if parts.path != "/api/v2/catalog/items":
                    self._reply(404, b"not found")
                    return
                cookie = self.headers.get("Cookie")
                stub.api_cookies.append(cookie)
                if cookie != "access_token_web=session-1":
                    self._reply(401, json.dumps({"code": 100, "message": "Token expired"}))
                    return
                page = int(parse_qs(parts.query)["page"][0])
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
                self._reply(200, json.dumps(body))

            def _reply(self, status: int, body: str | bytes, cookie: str | None = None) -> None:
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if cookie:
                    self.send_header("Set-Cookie", cookie)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, fmt: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def vinted() -> Iterator[StubVinted]:
    stub = StubVinted()
    yield stub
    stub.close()


def test_vinted_search_gets_the_session_cookie_first_and_pages_through(
    arb_home: Path, vinted: StubVinted
) -> None:
    home = ArbHome.from_env().ensure()
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
