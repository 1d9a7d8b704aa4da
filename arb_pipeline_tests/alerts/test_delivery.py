"""Alert delivery: .eml outbox files and SendGrid through a local stub of its HTTP API."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from arb_pipeline.alerts.delivery import DeliveryError, deliver, send_sendgrid, write_eml
from arb_pipeline.alerts.email import render_alert
from arb_pipeline_tests.alerts.test_email import make_opportunity

API_KEY = "SG.test-secret-key"


def make_message(**overrides: Any) -> email.message.EmailMessage:
    """A rendered alert for the standard test opportunity."""
    return render_alert(make_opportunity(**overrides), "Arb <alerts@arb.example>", ["me@x.com"])


class StubSendGrid:
    """SendGrid's mail API on the shared stub server: records every request and answers with
    `status` (change it to script an outage); with `hold_first` set, the first request waits
    for that event before it is answered (a send that never returns)."""

    PATH = "/v3/mail/send"

    def __init__(self, server: HTTPServer, status: int, body: bytes = b"") -> None:
        self.status, self.body = status, body
        self.requests: list[dict[str, Any]] = []
        self.hold_first: threading.Event | None = None
        self.host = server.url_for("/").rstrip("/")
        server.expect_request(self.PATH, method="POST").respond_with_handler(self._answer)

    def _answer(self, request: Request) -> Response:
        # recorded before answering, so a test can see a request that is still in flight
        self.requests.append(
            {"path": request.path, "headers": dict(request.headers), "json": request.get_json()}
        )
        if self.hold_first is not None and len(self.requests) == 1:
            self.hold_first.wait(30)
        return Response(self.body, status=self.status, content_type="application/json")


def unused_url() -> str:
    """A local address nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def stub_202(stub_server: HTTPServer) -> StubSendGrid:
    return StubSendGrid(stub_server, 202)


@pytest.fixture
def stub_401(stub_server: HTTPServer) -> StubSendGrid:
    body = b'{"errors":[{"message":"The provided authorization grant is invalid"}]}'
    return StubSendGrid(stub_server, 401, body)


def test_write_eml_writes_a_readable_message(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox" / "nested"
    message = make_message()
    path = write_eml(message, outbox)
    assert path.parent == outbox and path.suffix == ".eml"
    assert "iphone-13-128gb" in path.name
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == message["Subject"]
    assert parsed.get_body(preferencelist=("html",)) is not None
    assert [p.name for p in outbox.iterdir()] == [path.name]


def test_two_messages_make_two_files(tmp_path: Path) -> None:
    first = write_eml(make_message(), tmp_path)
    second = write_eml(make_message(), tmp_path)
    assert first != second
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, second.name])


def test_deliver_without_key_uses_outbox(tmp_path: Path) -> None:
    destination = deliver(make_message(), tmp_path / "outbox", None)
    assert destination.endswith(".eml")
    assert Path(destination).is_file()


def test_send_sendgrid_posts_the_mail(stub_202: StubSendGrid) -> None:
    status = send_sendgrid(make_message(), API_KEY, host=stub_202.host)
    assert status == 202
    [request] = stub_202.requests
    assert request["path"] == "/v3/mail/send"
    assert request["headers"]["Authorization"] == f"Bearer {API_KEY}"
    payload = request["json"]
    assert payload["subject"] == "Deal: iPhone 13 128GB at USD 210.00, profit ~USD 180.00"
    assert payload["from"] == {"email": "alerts@arb.example", "name": "Arb"}
    assert payload["personalizations"][0]["to"] == [{"email": "me@x.com"}]
    contents = {c["type"]: c["value"] for c in payload["content"]}
    assert set(contents) == {"text/plain", "text/html"}
    assert "USD 260.00" in contents["text/plain"]
    assert "<img" in contents["text/html"]


def test_deliver_with_key_uses_sendgrid(stub_202: StubSendGrid, tmp_path: Path) -> None:
    destination = deliver(make_message(), tmp_path / "outbox", API_KEY, stub_202.host)
    assert destination == "sendgrid (202)"
    assert not (tmp_path / "outbox").exists()
    assert len(stub_202.requests) == 1


def test_sendgrid_rejection_is_a_clear_error_without_the_key(stub_401: StubSendGrid) -> None:
    with pytest.raises(DeliveryError) as caught:
        send_sendgrid(make_message(), API_KEY, host=stub_401.host)
    text = str(caught.value)
    assert "401" in text
    assert "authorization grant is invalid" in text
    assert API_KEY not in text


def test_unreachable_sendgrid_is_a_delivery_error() -> None:
    host = unused_url()
    with pytest.raises(DeliveryError, match="unreachable") as caught:
        send_sendgrid(make_message(), API_KEY, host=host)
    assert API_KEY not in str(caught.value)
