"""Deliver rendered alert emails: SendGrid when configured, else a local .eml outbox."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import From, Mail, To

SENDGRID_DEFAULT_HOST = "https://api.sendgrid.com"
SENDGRID_TIMEOUT_SECONDS = 30


class DeliveryError(RuntimeError):
    """An alert could not be delivered; the message never contains credentials."""


def _slug(text: str, limit: int = 40) -> str:
    """Lowercase ASCII slug of `text` for file names."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "alert"


def write_eml(message: EmailMessage, outbox: Path) -> Path:
    """Atomically write the message to `<outbox>/<UTC timestamp>-<slug>-<hash>.eml`."""
    outbox.mkdir(parents=True, exist_ok=True)
    # long subjects stay on one line: Python's 78-column folding starts them on a blank line
    data = message.as_bytes(policy=message.policy.clone(max_line_length=998))
    key = str(message.get("Message-ID") or "").encode() or data
    digest = hashlib.sha256(key).hexdigest()[:10]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = outbox / f"{stamp}-{_slug(str(message.get('Subject', '')))}-{digest}.eml"
    fd, tmp = tempfile.mkstemp(dir=outbox, prefix=".tmp-", suffix=".eml")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _addresses(message: EmailMessage, header: str) -> list[Address]:
    """Parsed addresses of one header (From/To), or DeliveryError when missing."""
    value = message.get(header)
    addresses = list(getattr(value, "addresses", ()))
    if not addresses:
        raise DeliveryError(f"the message has no {header} address")
    return addresses


def _body(message: EmailMessage, subtype: str) -> str | None:
    """The message's text/<subtype> body, if any."""
    part = message.get_body(preferencelist=(subtype,))
    return None if part is None else str(part.get_content())


def to_sendgrid_mail(message: EmailMessage) -> Mail:
    """Convert an EmailMessage to a SendGrid `Mail` (subject, from, to, plain and html)."""
    sender = _addresses(message, "From")[0]
    return Mail(
        from_email=From(sender.addr_spec, sender.display_name or None),
        to_emails=[To(a.addr_spec, a.display_name or None) for a in _addresses(message, "To")],
        subject=str(message.get("Subject", "")),
        plain_text_content=_body(message, "plain"),
        html_content=_body(message, "html"),
    )


def _redact(body: bytes | str | None, api_key: str) -> str:
    """Response body as short text, with the API key removed should it be echoed."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    return (text.replace(api_key, "[redacted]") if api_key else text)[:500]


def send_sendgrid(message: EmailMessage, api_key: str, host: str | None = None) -> int:
    """Send through SendGrid's v3 API and return the HTTP status code."""
    target = host or SENDGRID_DEFAULT_HOST
    client = SendGridAPIClient(api_key=api_key, host=target)
    client.client.timeout = SENDGRID_TIMEOUT_SECONDS
    try:
        response = client.send(to_sendgrid_mail(message))
    except HTTPError as exc:
        body = _redact(exc.body, api_key)
        raise DeliveryError(
            f"SendGrid at {target} rejected the alert: HTTP {exc.status_code}: {body}"
        ) from None
    except OSError as exc:
        raise DeliveryError(f"SendGrid at {target} is unreachable: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise DeliveryError(
            f"SendGrid at {target} answered HTTP {response.status_code}: "
            f"{_redact(response.body, api_key)}"
        )
    return int(response.status_code)


def deliver(
    message: EmailMessage,
    outbox: Path,
    sendgrid_api_key: str | None,
    sendgrid_host: str | None = None,
) -> str:
    """Send via SendGrid when a key is given, else write an .eml; return where it went."""
    if sendgrid_api_key:
        return f"sendgrid ({send_sendgrid(message, sendgrid_api_key, sendgrid_host)})"
    return str(write_eml(message, outbox))
