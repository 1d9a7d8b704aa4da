"""`arb-pipeline products identify`: a CSV, Parquet or JSON Lines file in, every row out."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl

from arb_pipeline.products.identity import identify_frame

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl"}
FORMATS[".ndjson"] = "jsonl"


def _format(path: Path) -> str:
    """The file's format by suffix; ValueError naming the file otherwise."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise ValueError(
            f"{path}: unsupported format {path.suffix!r} (expected .csv, .parquet or .jsonl)"
        ) from None


def read_listings(path: Path) -> pl.DataFrame:
    """Rows with a `title` (and optionally brand, category, condition, attributes)."""
    kind = _format(path)
    try:
        if kind == "csv":
            # every column as text: ids and barcodes must keep their leading zeros
            return pl.read_csv(path, infer_schema=False)
        if kind == "parquet":
            return pl.read_parquet(path)
        return pl.read_ndjson(path, infer_schema_length=None)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise ValueError(f"{path}: cannot read: {error}") from error


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Nested columns (JSON objects in JSON Lines input) as JSON text, for CSV output."""
    nested = [c for c, t in frame.schema.items() if isinstance(t, pl.Struct | pl.List)]
    return frame.with_columns(
        pl.col(c).map_elements(lambda v: json.dumps(v, default=str), return_dtype=pl.String)
        for c in nested
    )


def identify_file(path: Path, out: Path | None = None) -> pl.DataFrame:
    """Identify every row of a file; write it (in order) to `out`, else JSON Lines on stdout."""
    result = identify_frame(read_listings(path))
    if out is None:
        result.write_ndjson(sys.stdout)
        return result
    kind = _format(out)
    if kind == "csv":
        _flat(result).write_csv(out)
    elif kind == "parquet":
        result.write_parquet(out)
    else:
        result.write_ndjson(out)
    return result
