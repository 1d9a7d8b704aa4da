"""Deal vetting: the rule vetter on realistic listings, and OpenAI through a local stub API."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from arb_pipeline.alerts.vetting import OpenAIVetter, RuleVetter, Verdict, vet
from arb_pipeline_tests.alerts.test_delivery import unused_url
from arb_pipeline_tests.alerts.test_email import make_opportunity

API_KEY = "sk-test-do-not-leak-4242"
PHONE_SIG = "sig:iphone 13 128gb"


def phone(**overrides: Any) -> dict[str, Any]:
    """A genuine phone deal whose title matches its product signature."""
    return make_opportunity(**{"product_id": PHONE_SIG, "category_raw": "Phones", **overrides})


def rules(**overrides: Any) -> Verdict:
    return RuleVetter().vet(phone(**overrides))


@pytest.mark.parametrize(
    "title",
    [
        "iPhone 13 128GB",
        "Apple iPhone 13 128GB Unlocked - Midnight, with case and charger",
        "iPhone 13 128gb blue, no longer wanted",
        "iPhone 13 128GB - screen never broken, original box",
    ],
)
def test_genuine_listings_pass(title: str) -> None:
    verdict = rules(title=title)
    assert verdict == Verdict(True, [], "rules")


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("iPhone 13 128GB box only", "box or packaging only"),
        ("Empty box iPhone 13 128GB", "box or packaging only"),
        ("Silicone case for iPhone 13 128GB", "accessory, not the item"),
        ("iPhone 13 128GB screen protector tempered glass", "accessory, not the item"),
        ("Manual for iPhone 13 128GB", "manual or documentation only"),
        ("WANTED: iPhone 13 128GB", "wanted or swap ad"),
        ("WTB iPhone 13 128GB cash waiting", "wanted or swap ad"),
        ("Swap my iPhone 13 128GB for Pixel 7", "wanted or swap ad"),
        ("iPhone 13 128GB for parts", "for parts or not working"),
        ("iPhone 13 128GB icloud locked spares", "for parts or not working"),
        ("iPhone 13 128GB for rent, 10/day", "rental"),
        ("iPhone 13 128GB screen repair service", "service, not an item"),
    ],
)
def test_not_the_item_is_rejected(title: str, reason: str) -> None:
    verdict = rules(title=title)
    assert not verdict.ok
    assert reason in verdict.reasons


def test_for_parts_condition_is_rejected_whatever_the_title() -> None:
    verdict = rules(condition="for_parts")
    assert not verdict.ok and verdict.reasons == ["for parts or not working"]


def test_title_not_matching_the_product_signature_is_rejected() -> None:
    verdict = rules(title="Samsung Galaxy S21 128GB")
    assert not verdict.ok
    assert "of product signature 'sig:iphone 13 128gb'" in verdict.reasons[0]
    # two of three signature words is enough; identifier products are trusted
    assert rules(title="iPhone 13 Pro 256GB 128gb").ok
    assert rules(title="Apple phone", product_id="id:0194252707159").ok


def test_product_identity_kind_and_fuzzy_signatures_are_checked_for_every_kind_of_id() -> None:
    from arb_pipeline.products import identify_many

    # a real eBay title (Spanish "funda para": case for) no title rule reads as an accessory
    title = "Funda Para iPhone 14 13 12 11 Pro X XS Max 8 7 SE Case Slim MagSafe Cover"
    product_id = identify_many([(title, None, None, None, None, None)])[0].product_id
    assert product_id.startswith("attr:") and product_id.endswith(" [accessory]")
    verdict = rules(title=title, product_id=product_id)
    assert verdict.reasons == ["product identity: accessory, not the item"]
    # attribute ids are read from the listing's own title: trusted
    assert rules(title="Apple iPhone 13 128GB", product_id="attr:apple iphone 13 128gb").ok
    # a fuzzy match's signature is another seller's words: the kind is not one of them
    jacket = "sig:patagonia better fleece jacket medium men sweater"
    assert rules(title="Mens Patagonia Better Sweater Fleece Jackets Medium", product_id=jacket).ok
    parts = rules(title="Patagonia Better Sweater Fleece Jacket Men Medium, torn", product_id=(
        f"{jacket} [for_parts]"
    ))  # fmt: skip
    assert parts.reasons == ["product identity: for parts, not the item"]
    assert "of product signature" in rules(title="Nike hoodie", product_id=jacket).reasons[0]


def test_scam_signals_need_a_price_far_below_market() -> None:
    scam = rules(price=80.0, description="Contact me on WhatsApp only, shipping only.")
    assert not scam.ok
    assert scam.reasons == ["scam signal: price 18% of market with whatsapp, shipping only"]

    honest_cheap = rules(price=80.0, description="Pick up in Leeds.")
    assert honest_cheap.ok
    fair_price_whatsapp = rules(price=300.0, description="Message me on WhatsApp for pictures")
    assert fair_price_whatsapp.ok


def test_copied_text_and_off_platform_payment_are_scam_signals() -> None:
    copied = "Brand new sealed phone in perfect condition. " * 2
    assert not rules(price=50.0, description=copied).ok
    assert "copied text" in rules(price=50.0, description=copied).reasons[0]
    payment = rules(price=300.0, description="Payment by Western Union only")
    assert payment.reasons == ["scam signal: off-platform payment"]


class StubOpenAI:
    """The OpenAI API's POST /v1/chat/completions on the shared stub server; records requests
    and answers `content` as the model's message, or an error when `status` is not 200."""

    PATH = "/v1/chat/completions"

    def __init__(
        self, server: HTTPServer, content: str = '{"ok": true, "reasons": []}', status: int = 200
    ) -> None:
        self.content, self.status = content, status
        self.requests: list[dict[str, Any]] = []
        self.base_url = server.url_for("/v1")
        server.expect_request(self.PATH, method="POST").respond_with_handler(self._answer)

    def _answer(self, request: Request) -> Response:
        body = request.get_json()
        self.requests.append(
            {
                "path": request.path,
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "json": body,
            }
        )
        if self.status != 200:
            # a misbehaving server echoing the credentials must not leak them
            answer: dict[str, Any] = {
                "error": {"message": f"boom {request.headers.get('Authorization')}"}
            }
        else:
            answer = {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": self.content},
                        "finish_reason": "stop",
                    }
                ],
            }
        return Response(json.dumps(answer), status=self.status, content_type="application/json")


@pytest.fixture
def stub(stub_server: HTTPServer) -> StubOpenAI:
    return StubOpenAI(stub_server)


def make_vetter(stub: StubOpenAI, tmp_path: Path, **kwargs: Any) -> OpenAIVetter:
    return OpenAIVetter(
        API_KEY, base_url=stub.base_url, cache_path=tmp_path / "vetting.sqlite", **kwargs
    )


def test_openai_verdict_uses_a_json_schema_and_is_cached(stub: StubOpenAI, tmp_path: Path) -> None:
    stub.content = json.dumps({"ok": False, "reasons": ["looks like a display dummy"]})
    vetter = make_vetter(stub, tmp_path, model="gpt-test-mini")

    first = vet(phone(), vetter)
    second = vet(phone(), vetter)

    assert first == Verdict(False, ["looks like a display dummy"], "openai:gpt-test-mini")
    assert second == first
    (request,) = stub.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == f"Bearer {API_KEY}"
    sent = request["json"]
    assert sent["model"] == "gpt-test-mini"
    response_format = sent["response_format"]
    assert response_format["type"] == "json_schema"
    schema = response_format["json_schema"]["schema"]
    assert set(schema["required"]) == {"ok", "reasons"}
    assert schema["properties"]["ok"]["type"] == "boolean"
    assert "iPhone 13 128GB" in sent["messages"][-1]["content"]
    # a fresh vetter on the same cache file still does not ask again
    assert vet(phone(), make_vetter(stub, tmp_path)) == first
    assert len(stub.requests) == 1
    # a different price is different content
    vet(phone(price=199.0), vetter)
    assert len(stub.requests) == 2


def test_rule_hard_rejections_override_an_openai_ok(stub: StubOpenAI, tmp_path: Path) -> None:
    verdict = vet(phone(title="WANTED iPhone 13 128GB"), make_vetter(stub, tmp_path))

    assert not verdict.ok and verdict.vetter == "rules"
    assert verdict.reasons[0] == "wanted or swap ad"
    assert "openai:gpt-4o-mini said ok" in verdict.reasons[-1]


def test_daily_cap_falls_back_to_rules(stub: StubOpenAI, tmp_path: Path) -> None:
    vetter = make_vetter(stub, tmp_path, daily_call_cap=2)

    assert vet(phone(listing_id="a", title="iPhone 13 128GB red"), vetter).vetter.startswith(
        "openai"
    )
    assert vet(phone(listing_id="b", title="iPhone 13 128GB blue"), vetter).vetter.startswith(
        "openai"
    )
    capped = vet(phone(title="iPhone 13 128GB box only"), vetter)

    assert len(stub.requests) == 2 and vetter.calls_today() == 2
    assert capped.vetter == "rules" and not capped.ok
    assert capped.reasons[-1] == (
        "openai unavailable: daily call cap of 2 reached; decided by rules"
    )
    assert vet(phone(title="iPhone 13 128GB green"), vetter).ok


@pytest.mark.parametrize(
    ("status", "content", "expected"),
    [
        (500, "", "openai unavailable: HTTP 500; decided by rules"),
        (200, "I think it's fine!", "openai unavailable: unparsable answer"),
        (200, '{"ok": "yes", "reasons": []}', "openai unavailable: unparsable answer"),
        (200, '{"reasons": []}', "openai unavailable: unparsable answer"),
        (200, '{"ok": true, "reasons": "fine"}', "openai unavailable: unparsable answer"),
    ],
)
def test_api_failures_fall_back_to_rules_without_leaking_the_key(
    stub_server: HTTPServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    status: int,
    content: str,
    expected: str,
) -> None:
    server = StubOpenAI(stub_server, content, status)
    caplog.set_level(logging.DEBUG)
    vetter = make_vetter(server, tmp_path)
    scam = vet(phone(price=40.0, description="email me for the wire details"), vetter)
    good = vet(phone(), vetter)

    assert not scam.ok and scam.vetter == "rules"
    assert scam.reasons[0].startswith("scam signal")
    assert scam.reasons[-1].startswith(expected)
    assert good.ok and good.vetter == "rules"
    # failures are not cached: a later call asks again
    assert len(server.requests) == 2
    assert API_KEY not in caplog.text
    assert API_KEY not in repr(vetter) and API_KEY not in json.dumps(scam.reasons)


def test_unreachable_api_falls_back(tmp_path: Path) -> None:
    vetter = OpenAIVetter(
        API_KEY, base_url=unused_url() + "/v1", cache_path=tmp_path / "v.sqlite", timeout=2
    )

    verdict = vet(phone(), vetter)

    assert verdict.ok and verdict.vetter == "rules"
    assert "openai unavailable" in verdict.reasons[-1]


def test_no_openai_means_rules(tmp_path: Path) -> None:
    assert vet(phone()) == Verdict(True, [], "rules")
