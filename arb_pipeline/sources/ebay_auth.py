"""eBay Buy Browse API access: OAuth application tokens (cached) and search URLs.

The token comes from the client-credentials grant and is cached in a 0600 JSON file keyed by
client id, so scheduled runs and restarts reuse it until shortly before it expires. The
caller puts `request_headers(...)` into `CrawlSettings.headers`; the crawl passes settings
over stdin, so neither the secret nor the token appears in a process's argv.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from arb_pipeline.paths import ArbHome
from arb_pipeline.sources.common import EBAY_CONDITION_IDS

DEFAULT_TOKEN_URL = "https://api.ebay.com/identity/v1/oauth2/token"
DEFAULT_SCOPE = "https://api.ebay.com/oauth/api_scope"
SEARCH_PATH = "/buy/browse/v1/item_summary/search"
MAX_LIMIT = 200
EXPIRY_MARGIN_S = 60
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def _condition_ids() -> dict[str, tuple[str, ...]]:
    """Canonical condition -> every eBay condition id the parser maps to it."""
    table: dict[str, list[str]] = {}
    for cid in sorted(EBAY_CONDITION_IDS, key=int):
        table.setdefault(EBAY_CONDITION_IDS[cid], []).append(cid)
    return {name: tuple(ids) for name, ids in table.items()}


CONDITION_IDS = _condition_ids()


class EbayAuthError(RuntimeError):
    """eBay credentials are missing or were refused, or the token endpoint is unavailable."""


@dataclass(frozen=True)
class EbayCredentials:
    """An eBay application's keyset (the secret is left out of repr)."""

    client_id: str
    client_secret: str = field(repr=False)
    token_url: str = DEFAULT_TOKEN_URL
    scope: str = DEFAULT_SCOPE

    def basic_auth(self) -> str:
        """The `Authorization: Basic ...` header value for the token endpoint."""
        raw = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")


class TokenCache:
    """Application access tokens cached in a JSON file, keyed by client id."""

    def __init__(
        self,
        path: Path,
        *,
        tries: int = 3,
        base_delay: float = 1.0,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.tries = tries
        self.base_delay = base_delay
        self.timeout = timeout
        self.clock = clock

    @classmethod
    def for_home(cls, home: ArbHome) -> TokenCache:
        """The cache file inside ARB_HOME (`secrets/ebay_tokens.json`)."""
        return cls(home.root / "secrets" / "ebay_tokens.json")

    def get_token(self, credentials: EbayCredentials) -> str:
        """A valid access token: the cached one until it expires, else a freshly granted one."""
        entries = self._load()
        entry = entries.get(credentials.client_id)
        if (
            isinstance(entry, dict)
            and entry.get("scope") == credentials.scope
            and entry.get("token_url") == credentials.token_url
            and isinstance(entry.get("expires_at"), int | float)
            and entry["expires_at"] > self.clock()
            and entry.get("access_token")
        ):
            return str(entry["access_token"])
        token, expires_in = self._request(credentials)
        entries[credentials.client_id] = {
            "access_token": token,
            "expires_at": self.clock() + max(0.0, expires_in - EXPIRY_MARGIN_S),
            "scope": credentials.scope,
            "token_url": credentials.token_url,
        }
        self._save(entries)
        return token

    def _request(self, credentials: EbayCredentials) -> tuple[str, float]:
        form = urlencode({"grant_type": "client_credentials", "scope": credentials.scope})
        request = urllib.request.Request(
            credentials.token_url,
            data=form.encode(),
            method="POST",
            headers={
                "Authorization": credentials.basic_auth(),
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        problem = ""
        for attempt in range(self.tries):
            if attempt:
                time.sleep(self.base_delay * 2 ** (attempt - 1))
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body = json.loads(response.read())
                return str(body["access_token"]), float(body.get("expires_in", 0))
            except urllib.error.HTTPError as exc:
                problem = f"HTTP {exc.code}: {_describe(exc.read())}"
                if exc.code not in RETRY_STATUSES:
                    raise EbayAuthError(
                        _redact(f"eBay token request refused ({problem})", credentials)
                    ) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                problem = str(getattr(exc, "reason", exc))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise EbayAuthError(f"eBay token response unreadable ({exc!r:.200})") from None
        message = f"eBay token endpoint unavailable after {self.tries} tries ({problem})"
        raise EbayAuthError(_redact(message, credentials))

    def _load(self) -> dict[str, dict[str, object]]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, entries: dict[str, dict[str, object]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".ebay_tokens.")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(entries, handle)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _describe(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace").strip() or "no details"
    if isinstance(data, dict):
        return str(data.get("error_description") or data.get("error") or data)[:200]
    return str(data)[:200]


def _redact(message: str, credentials: EbayCredentials) -> str:
    secret = credentials.client_secret
    return message.replace(secret, "***") if secret else message


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def search_url(
    query: str,
    *,
    marketplace: str = "EBAY_US",
    limit: int = 200,
    offset: int = 0,
    price_min: float | None = None,
    price_max: float | None = None,
    currency: str = "USD",
    conditions: list[str] | None = None,
    buying_options: list[str] | None = None,
    category_ids: list[str] | None = None,
    sort: str | None = None,
    base_url: str = "https://api.ebay.com",
) -> str:
    """A Browse API item_summary/search URL with eBay's filter syntax."""
    # eBay takes `marketplace` only as a header (request_headers), never in the URL.
    filters = []
    if price_min is not None or price_max is not None:
        low = "" if price_min is None else _number(price_min)
        high = "" if price_max is None else _number(price_max)
        filters += [f"price:[{low}..{high}]", f"priceCurrency:{currency}"]
    if conditions:
        unknown = [name for name in conditions if name not in CONDITION_IDS]
        if unknown:
            raise ValueError(f"unknown condition(s) {unknown}; expected {list(CONDITION_IDS)}")
        ids = [cid for name in conditions for cid in CONDITION_IDS[name]]
        filters.append("conditionIds:{" + "|".join(dict.fromkeys(ids)) + "}")
    if buying_options:
        filters.append("buyingOptions:{" + "|".join(buying_options) + "}")
    params = {"q": query, "limit": str(max(1, min(limit, MAX_LIMIT))), "offset": str(offset)}
    if filters:
        params["filter"] = ",".join(filters)
    if category_ids:
        params["category_ids"] = ",".join(category_ids)
    if sort:
        params["sort"] = sort
    return f"{base_url.rstrip('/')}{SEARCH_PATH}?{urlencode(params)}"


def request_headers(token: str, marketplace: str) -> dict[str, str]:
    """Headers for Browse API calls, to be put into `CrawlSettings.headers`."""
    return {
        "Authorization": f"Bearer {token}",
        "X-EBAY-C-MARKETPLACE-ID": marketplace,
        "Accept": "application/json",
    }
