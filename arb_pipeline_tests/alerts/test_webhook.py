"""Signed webhooks against a local receiver: signature, retries, and the dead-letter file."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from arb_pipeline.alerts.webhook import (
    post_webhook,
    verify_signature,
)

SECRET = "whsec-test-0123456789"
PAYLOAD = {"title": "iPhone 13 128GB", "price": 210.0, "profit": 180.0, "listing_id": "L-1001"}


class Receiver:
    """A webhook receiver on the shared stub server: answers scripted statuses, then 200;
    verifies signatures (401 when one does not verify)."""

    PATH = "/hooks/deals"

    def __init__(self, server: HTTPServer, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.requests: list[dict[str, Any]] = []
        self.url = server.url_for(self.PATH)
        server.expect_request(self.PATH, method="POST").respond_with_handler(self._answer)

    def _answer(self, request: Request) -> Response:
        body = request.get_data()
        verified = verify_signature(body, request.headers.get("X-Arb-Signature", ""), SECRET)
        self.requests.append({"body": body, "headers": dict(request.headers), "verified": verified})
        status = self.statuses.pop(0) if self.statuses else 200
        return Response(status=status if verified else 401)


@pytest.fixture
def receiver(stub_server: HTTPServer) -> Receiver:
    return Receiver(stub_server)


def dead_letters(path: Path) -> list[dict[str, Any]]:
    """The dead-letter file's records (none when it does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_delivers_a_signed_compact_json_body(receiver: Receiver, tmp_path: Path) -> None:
    result = post_webhook(receiver.url, PAYLOAD, SECRET, dead_letter=tmp_path / "dead.jsonl")

    assert result.ok and result.status == 200 and result.attempts == 1
    (request,) = receiver.requests
    assert request["verified"]
    assert request["body"] == json.dumps(PAYLOAD, sort_keys=True, separators=(",", ":")).encode()
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["X-Arb-Timestamp"].isdigit()
    assert not (tmp_path / "dead.jsonl").exists()


def test_verify_signature_rejects_tampering_and_wrong_secret(
    receiver: Receiver, tmp_path: Path
) -> None:
    post_webhook(receiver.url, PAYLOAD, SECRET, dead_letter=tmp_path / "dead.jsonl")
    (request,) = receiver.requests
    body, header = request["body"], request["headers"]["X-Arb-Signature"]

    assert header.startswith("sha256=")
    assert verify_signature(body, header, SECRET)
    assert not verify_signature(body.replace(b"210.0", b"21.0"), header, SECRET)
    assert not verify_signature(body, header, "another-secret")
    assert not verify_signature(body, "sha256=" + "0" * 64, SECRET)
    assert not verify_signature(body, "", SECRET)
    assert not verify_signature(body, "sha256=é", SECRET)


def test_retries_on_503_then_succeeds(stub_server: HTTPServer, tmp_path: Path) -> None:
    stub = Receiver(stub_server, [503, 503])
    result = post_webhook(
        stub.url, PAYLOAD, SECRET, base_delay=0.001, dead_letter=tmp_path / "dead.jsonl"
    )

    assert result.ok and result.attempts == 3
    assert len(stub.requests) == 3
    assert len({r["body"] for r in stub.requests}) == 1
    assert dead_letters(tmp_path / "dead.jsonl") == []


def test_429_is_retried(stub_server: HTTPServer, tmp_path: Path) -> None:
    stub = Receiver(stub_server, [429])
    result = post_webhook(stub.url, PAYLOAD, SECRET, base_delay=0.001, dead_letter=tmp_path / "d")

    assert result.ok and result.attempts == 2


def test_400_is_not_retried_and_is_dead_lettered(stub_server: HTTPServer, tmp_path: Path) -> None:
    stub = Receiver(stub_server, [400])
    dead = tmp_path / "letters" / "dead.jsonl"
    result = post_webhook(stub.url, PAYLOAD, SECRET, base_delay=0.001, dead_letter=dead)

    assert not result.ok and result.status == 400 and result.attempts == 1
    assert len(stub.requests) == 1
    (letter,) = dead_letters(dead)
    assert letter["url"] == stub.url
    assert letter["payload"] == PAYLOAD
    assert letter["attempts"] == 1
    assert "400" in letter["error"]
    assert letter["time"]


def test_persistent_5xx_gives_up_after_tries(stub_server: HTTPServer, tmp_path: Path) -> None:
    stub = Receiver(stub_server, [500] * 10)
    result = post_webhook(
        stub.url, PAYLOAD, SECRET, tries=3, base_delay=0.001, dead_letter=tmp_path / "d.jsonl"
    )

    assert not result.ok and result.status == 500 and result.attempts == 3
    assert len(stub.requests) == 3
    assert dead_letters(tmp_path / "d.jsonl")[0]["attempts"] == 3


def test_connection_refused_is_dead_lettered_after_all_tries(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/hook"
    dead = tmp_path / "dead.jsonl"

    first = post_webhook(url, PAYLOAD, SECRET, tries=3, base_delay=0.001, dead_letter=dead)
    second = post_webhook(url, {"n": 2}, SECRET, tries=2, base_delay=0.001, dead_letter=dead)

    assert not first.ok and first.status is None and first.attempts == 3
    assert "connection failed" in (first.error or "")
    assert second.attempts == 2
    letters = dead_letters(dead)
    assert [letter["payload"] for letter in letters] == [PAYLOAD, {"n": 2}]
    assert SECRET not in dead.read_text()
