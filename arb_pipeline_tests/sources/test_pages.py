"""The shared page-state classifier: five states, never a silent zero."""

from types import SimpleNamespace

import pytest

from arb_pipeline.sources.common import BlockedPageError, ParseError, make_record
from arb_pipeline.sources.pages import PageMarkers, raise_if_blocked, read_page

MARKERS = PageMarkers(
    expected="div.card ads",
    empty=("no ads match your search",),
    removed=("this ad has expired",),
)
FILLER = "<p>" + "Second-hand goods near you. " * 20 + "</p>"


def _parser(records=(), problems=(), error: Exception | None = None) -> SimpleNamespace:
    def parse_with_problems(body: bytes, url: str):
        if error is not None:
            raise error
        return list(records), list(problems)

    return SimpleNamespace(PAGE_MARKERS=MARKERS, parse_with_problems=parse_with_problems)


def _ad(status: str = "active") -> dict:
    return make_record(source="x", listing_id="1", url="http://x/1", title="Bike", status=status)


def _page(body: str, head: str = "") -> bytes:
    return f"<html><head>{head}</head><body>{body}</body></html>".encode()


def test_a_page_with_listings_is_results_and_an_ad_gone_is_removed() -> None:
    assert read_page(_parser([_ad()]), _page(FILLER), "http://x").state == "results"
    assert read_page(_parser([_ad("removed")]), _page(FILLER), "http://x").state == "removed"


def test_zero_listings_is_empty_only_when_the_site_says_so_on_the_page() -> None:
    said = _page(FILLER + "<h2>No ads match your search</h2>")
    assert read_page(_parser(), said, "http://x").state == "empty"
    hidden = _page(FILLER + "<script>var t = 'No ads match your search';</script>")
    page = read_page(_parser(), hidden, "http://x")
    assert page.state == "unrecognized"
    assert page.reason.startswith("layout changed: expected div.card ads")


def test_cards_that_cannot_be_read_are_unrecognized_even_beside_no_results_wording() -> None:
    body = _page(FILLER + "<h2>No ads match your search</h2>")
    page = read_page(_parser(problems=["card 0 (7) skipped: no price"]), body, "http://x")
    assert page.state == "unrecognized" and "card 0 (7) skipped" in page.reason


def test_expired_ad_wording_is_removed() -> None:
    page = read_page(_parser(), _page(FILLER + "<p>This ad has expired.</p>"), "http://x")
    assert page.state == "removed"


def test_block_pages_are_blocked_by_vendor_wording_title_status_or_script_only_body() -> None:
    cases = {
        "vendor": _page(FILLER, '<script src="https://geo.captcha-delivery.com/c.js"></script>'),
        "title": _page(FILLER, "<title>Access Denied</title>"),
        "wording": _page("<h1>Please verify you are a human</h1>" + FILLER),
        "script only": _page("<div id=root></div><script>challenge()</script>"),
    }
    for name, body in cases.items():
        page = read_page(_parser(), body, "http://x")
        assert page.state == "blocked", name
    assert read_page(_parser([_ad()]), _page(FILLER), "http://x", status=429).state == "blocked"
    raised = _parser(error=BlockedPageError("http://x: login wall"))
    assert read_page(raised, _page(FILLER), "http://x").reason == "http://x: login wall"


def test_a_parse_error_is_unrecognized_naming_what_was_expected() -> None:
    page = read_page(_parser(error=ParseError("no result list")), _page(FILLER), "http://x")
    assert page.state == "unrecognized"
    assert page.reason == "layout changed: expected div.card ads; no result list"


def test_an_api_answer_read_with_no_items_is_empty() -> None:
    assert read_page(_parser(), b'{"items": []}', "http://x/api").state == "empty"


def test_block_pages_are_recognised() -> None:
    with pytest.raises(BlockedPageError, match="captcha"):
        raise_if_blocked(b"<html>Please solve this CAPTCHA</html>", "http://h/")
    raise_if_blocked(b"<html><ul class='rows'></ul></html>", "http://h/")
