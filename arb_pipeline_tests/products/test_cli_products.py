"""`arb-pipeline products identify FILE [--out FILE]` and `arb-pipeline products explain TITLE`."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from arb_pipeline.cli import main

ROWS = [
    {"title": "EVGA GeForce RTX 3080 Ti FTW3 Ultra Gaming 12GB", "price": "650", "brand": "EVGA"},
    {"title": "Nvidia RTX 3080 Founders Edition 10GB", "price": "420", "brand": None},
    {"title": "EVGA RTX 3080 Ti XC3 12GB GDDR6X", "price": "600", "brand": "EVGA"},
    {"title": "The C Programming Language", "price": "30", "brand": None},
]


def test_identify_writes_every_row_in_order_with_ids_and_attributes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "listings.jsonl"
    attributes = [{}, {"colour": "black"}, {}, {"isbn": "9780131103627"}]
    source.write_text(
        "".join(
            json.dumps({**r, "attributes": a}) + "\n" for r, a in zip(ROWS, attributes, strict=True)
        )
    )
    for out in (tmp_path / "out.csv", tmp_path / "out.parquet", tmp_path / "out.jsonl"):
        assert main(["products", "identify", str(source), "--out", str(out)]) == 0
        frame = (
            pl.read_parquet(out)
            if out.suffix == ".parquet"
            else (
                pl.read_csv(out, infer_schema=False)
                if out.suffix == ".csv"
                else pl.read_ndjson(out)
            )
        )
        assert frame["title"].to_list() == [r["title"] for r in ROWS]
        ids = frame["product_id"].to_list()
        assert ids[0] == ids[2] == "attr:nvidia rtx 3080 ti 12gb-ram"
        assert ids[1] == "attr:nvidia rtx 3080 10gb-ram" and ids[3] == "id:9780131103627"
        assert frame["identified_by"].to_list() == [
            "attributes",
            "attributes",
            "attributes",
            "identifier",
        ]
        assert frame["product_variants"][0] == "ti" and frame["product_memory"][1] == "10gb"
    err = capsys.readouterr().err
    assert "4 rows, 3 products (1 by identifier, 3 by attributes, 0 by fuzzy, 0 by none)" in err


def test_identify_prints_json_lines_without_out(tmp_path: Path, capfd: pytest.CaptureFixture[str]):
    source = tmp_path / "listings.csv"
    pl.DataFrame(ROWS).write_csv(source)
    assert main(["products", "identify", str(source)]) == 0
    lines = [json.loads(line) for line in capfd.readouterr().out.splitlines()]
    assert [line["title"] for line in lines] == [r["title"] for r in ROWS]
    assert lines[0]["price"] == "650"  # the file's own columns are kept as they were


def test_bad_input_gets_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    no_title = tmp_path / "items.csv"
    no_title.write_text("name,price\nPhone,10\n")
    assert main(["products", "identify", str(no_title)]) == 1
    assert "no title column (columns: name, price)" in capsys.readouterr().err
    assert main(["products", "identify", str(tmp_path / "items.xlsx")]) == 1
    assert "unsupported format '.xlsx'" in capsys.readouterr().err


def test_explain_says_how_a_title_was_identified(capsys: pytest.CaptureFixture[str]) -> None:
    title = 'Apple MacBook Pro 13" MD101LL/A (Mid 2012) Core i5 2.5GHz 4GB 500GB For Parts'
    assert main(["products", "explain", title]) == 0
    out = capsys.readouterr().out
    assert "product_id: id:APPLE:MD101 [for_parts]" in out
    assert "identified by: identifier" in out and "Apple part: APPLE:MD101" in out
    assert "kind: for_parts ('for parts')" in out and "year: 2012" in out
