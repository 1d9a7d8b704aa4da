"""The `arb-pipeline` command as a user runs it: parse saved pages, fit and apply the model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from arb_pipeline.cli import main
from arb_pipeline.sources.common import RECORD_FIELDS

CRAIGSLIST_SEARCH = Path("craigslist") / "search_cars_by_owner_chicago_2018.html"
BROWSE = Path("ebay_browse_api") / "search_iphone_sort_price_2023.json"
FINDING = Path("ebay_finding_api") / "find_completed_items_page.json"
CONSOLE_SCRIPT = Path(sys.executable).with_name("arb-pipeline")


def _page(rows: str) -> str:
    return f'<!DOCTYPE html><html><body><ul class="rows">{rows}</ul></body></html>'


def _parse(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict], list[str]]:
    code = main(["parse", *argv])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err.splitlines()


def test_parse_craigslist_search_prints_canonical_json_lines(
    shared_fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, records, _ = _parse(
        capsys, "--source", "craigslist", str(shared_fixtures / CRAIGSLIST_SEARCH)
    )
    assert code == 0
    assert len(records) == 120
    for record in records:
        assert list(record) == list(RECORD_FIELDS)
        assert record["source"] == "craigslist" and record["listing_id"] and record["title"]
        assert record["status"] == "active" and record["scraped_at"]


def test_parse_ebay_browse_response(
    shared_fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, records, _ = _parse(capsys, "--source", "ebay_api", str(shared_fixtures / BROWSE))
    assert code == 0
    assert len(records) == 100
    assert {record["source"] for record in records} == {"ebay_api"}


def test_parse_ebay_finding_response_has_sold_and_ended(
    shared_fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, records, _ = _parse(capsys, "--source", "ebay_finding", str(shared_fixtures / FINDING))
    assert code == 0
    assert len(records) == 100
    assert {record["status"] for record in records} == {"sold", "ended"}


def test_parse_captcha_page_exits_3_with_one_stderr_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "captcha.html"
    page.write_text("<html><body><h1>Please complete the captcha</h1></body></html>")
    code, records, err = _parse(capsys, "--source", "craigslist", str(page))
    assert code == 3
    assert records == []
    assert len(err) == 1


def test_parse_unknown_source_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.html"
    page.write_text(_page(""))
    code, records, err = _parse(capsys, "--source", "no_such_marketplace", str(page))
    assert (code, records) == (2, [])
    assert "no_such_marketplace" in err[0]


def test_parse_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, records, err = _parse(capsys, "--source", "craigslist", str(tmp_path / "absent.html"))
    assert (code, records) == (2, [])
    assert err


def test_parse_empty_results_page_prints_nothing_and_says_it_is_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "empty.html"
    page.write_text(_page('<li class="ban">Nothing found for that search.</li>'))
    code, records, err = _parse(capsys, "--source", "craigslist", str(page))
    assert (code, records, err) == (0, [], ["page state: empty, 0 record(s)"])


def test_parse_a_result_list_without_readable_cards_or_wording_is_unrecognized(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "changed.html"
    page.write_text(_page(""))  # the list is there, the site said nothing: never a silent zero
    code, records, err = _parse(capsys, "--source", "craigslist", str(page))
    assert (code, records) == (1, [])
    (line,) = err
    assert line.startswith("unrecognized page") and "layout changed: expected" in line


def test_parse_url_makes_relative_links_absolute(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "search.html"
    page.write_text(
        _page(
            '<li class="result-row" data-pid="7000000001">'
            '<a href="/sss/d/bike/7000000001.html" class="result-title hdrlnk">Road bike</a>'
            '<span class="result-price">$250</span></li>'
        )
    )
    url = "https://chicago.craigslist.org/search/sss?query=bike"
    code, records, _ = _parse(capsys, "--source", "craigslist", str(page), "--url", url)
    assert code == 0
    assert [r["url"] for r in records] == [
        "https://chicago.craigslist.org/sss/d/bike/7000000001.html"
    ]
    assert (records[0]["price"], records[0]["currency"]) == (250.0, "USD")


def test_console_script_runs(shared_fixtures: Path) -> None:
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "parse", "--source", "ebay_api", str(shared_fixtures / BROWSE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 100


def test_model_fit_then_predict_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    products = [("iPhone 13 128GB", 430), ("PS5 Disc Edition", 420), ("MacBook Air M1", 600)]
    conditions = [("new", 1.0), ("good", 0.8), ("fair", 0.6)]
    rows = [
        {"title": f"{name} #{index}", "price": price * factor + index, "condition": condition}
        for index in range(4)
        for name, price in products
        for condition, factor in conditions
    ]
    train, model_dir = tmp_path / "train.csv", tmp_path / "model"
    pl.DataFrame(rows).write_csv(train)
    assert main(["model", "fit", "--train", str(train), "--out", str(model_dir)]) == 0

    queries = pl.DataFrame(
        {
            "title": ["MacBook Air M1 laptop", "iPhone 13 128GB", "PS5 Disc Edition console"],
            "condition": ["good", "new", "fair"],
        }
    )
    query_file, out = tmp_path / "query.csv", tmp_path / "pred.csv"
    queries.write_csv(query_file)
    code = main(
        [
            "model",
            "predict",
            "--model",
            str(model_dir),
            "--input",
            str(query_file),
            "--out",
            str(out),
        ]
    )
    capsys.readouterr()
    assert code == 0
    result = pl.read_csv(out)
    assert result["title"].to_list() == queries["title"].to_list()
    assert (result["pred_p10"] <= result["pred_p50"]).all()
    assert (result["pred_p50"] <= result["pred_p90"]).all()
