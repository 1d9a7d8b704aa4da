"""Alert delivery: .eml outbox files and SendGrid through a local stub of its HTTP API."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from arb_pipeline.alerts.delivery import DeliveryError, deliver, send_sendgrid, write_eml
from arb_pipeline.alerts.email import render_alert
from arb_pipeline_tests.alerts.test_email import make_opportunity

API_KEY = "SG.test-secret-key"


def make_message(**overrides: Any) -> email.message.EmailMessage:
    """A rendered alert for the standard test opportunity."""
    return render_alert(make_opportunity(**overrides), "Arb <alerts@arb.example>", ["me@x.com"])


class StubSendGrid:
    """A local HTTP server standing in for api.sendgrid.com; records every request and
    answers with `status` (change it to script an outage)."""

    def __init__(self, status: int, body: bytes = b"") -> None:
        self.status = status
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                stub.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(self.rfile.read(length)),
                    }
                )
                self.send_response(stub.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, fmt: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub_202() -> Iterator[StubSendGrid]:
    stub = StubSendGrid(202)
    yield stub
    stub.close()


@pytest.fixture
def stub_401() -> Iterator[StubSendGrid]:
    body = b'{"errors":[{"message":"The provided authorization grant is invalid"}]}'
    stub = StubSendGrid(401, body)
    yield stub
    stub.close()


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
    stub = StubSendGrid(202)
    host = stub.host
    stub.close()
    with pytest.raises(DeliveryError, match="unreachable") as caught:
        send_sendgrid(make_message(), API_KEY, host=host)
    assert API_KEY not in str(caught.value)
