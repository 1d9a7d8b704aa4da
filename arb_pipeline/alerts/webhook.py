"""Signed JSON webhooks with retries, and a dead-letter file for those that never arrive.

The body is compact JSON with sorted keys; `X-Arb-Signature: sha256=<hex>` is the HMAC-SHA256
of exactly those bytes with the shared secret (`verify_signature` checks it on the receiving
side). Connection errors, timeouts, 429 and 5xx are retried with exponential backoff; any other
4xx is final. A webhook that fails for good becomes one line in a JSON Lines dead-letter file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Arb-Signature"
TIMESTAMP_HEADER = "X-Arb-Timestamp"
SIGNATURE_PREFIX = "sha256="


@dataclass(frozen=True)
class WebhookResult:
    """How a webhook went: delivered or not, last HTTP status, attempts and last error."""

    ok: bool
    status: int | None
    attempts: int
    error: str | None = None


def encode_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed: compact JSON with sorted keys."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def sign(body: bytes, secret: str) -> str:
    """The signature header value for `body`: `sha256=<hex HMAC-SHA256>`."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signature(body: bytes, header: str, secret: str) -> bool:
    """True when `header` is the signature of `body` with `secret` (constant-time compare)."""
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(body, secret).encode(), header.strip().encode())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Treat redirects as failures: urllib would silently turn the POST into a bodiless GET."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _attempt(url: str, body: bytes, secret: str, timeout: float) -> tuple[int | None, str | None]:
    """POST once; (status, error), error None on 2xx."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, secret),
            TIMESTAMP_HEADER: str(int(time.time())),
            "User-Agent": "arb-pipeline-webhook",
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, None
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"connection failed: {reason}"


def _retryable(status: int | None) -> bool:
    """Connection errors (no status), 429 and 5xx are worth another try."""
    return status is None or status == 429 or status >= 500


def post_webhook(
    url: str,
    payload: dict[str, Any],
    secret: str,
    *,
    tries: int = 4,
    base_delay: float = 1.0,
    timeout: float = 10,
    dead_letter: Path,
) -> WebhookResult:
    """POST a signed payload with retries; on final failure dead-letter it. Never raises."""
    body = encode_body(payload)
    status: int | None = None
    error: str | None = None
    attempts = 0
    for attempts in range(1, max(tries, 1) + 1):
        status, error = _attempt(url, body, secret, timeout)
        if error is None:
            return WebhookResult(True, status, attempts)
        log.warning("webhook attempt %d/%d to %s failed: %s", attempts, tries, url, error)
        if not _retryable(status) or attempts >= tries:
            break
        time.sleep(base_delay * 2 ** (attempts - 1))
    _dead_letter(dead_letter, url, payload, error, attempts)
    return WebhookResult(False, status, attempts, error)


def _dead_letter(
    path: Path, url: str, payload: dict[str, Any], error: str | None, attempts: int
) -> None:
    """Append one JSON line describing the undelivered webhook; log if even that fails."""
    record = {
        "url": url,
        "payload": payload,
        "error": error,
        "attempts": attempts,
        "time": datetime.now(UTC).isoformat(),
    }
    line = json.dumps(record, sort_keys=True, default=str) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line)
    except OSError as exc:
        log.error("could not write webhook dead letter to %s: %s", path, exc)
