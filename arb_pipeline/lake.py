"""The Parquet lake: raw listings, hive-partitioned by source and date, written atomically."""

from __future__ import annotations

import json
import os
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

RAW_SCHEMA: dict[str, pl.DataType] = {
    "listing_id": pl.String(),
    "url": pl.String(),
    "title": pl.String(),
    "price": pl.Float64(),
    "currency": pl.String(),
    "shipping_price": pl.Float64(),
    "condition": pl.String(),
    "condition_raw": pl.String(),
    "category_raw": pl.String(),
    "brand": pl.String(),
    "location": pl.String(),
    "seller_id": pl.String(),
    "image_url": pl.String(),
    "listed_at": pl.Datetime("us", "UTC"),
    "status": pl.String(),
    "scraped_at": pl.Datetime("us", "UTC"),
    "attributes": pl.String(),
}
PARTITION_FILE = "listings.parquet"


def partition_dir(raw_root: Path, source: str, day: date) -> Path:
    """The hive folder of one (source, date) partition."""
    return raw_root / f"source={source}" / f"date={day.isoformat()}"


def earlier_partitions(raw_root: Path, source: str, day: date, count: int) -> list[Path]:
    """The files of `source`'s last `count` partitions before `day`, oldest first."""
    before = partition_dir(raw_root, source, day).name
    files = (raw_root / f"source={source}").glob(f"date=*/{PARTITION_FILE}")
    return sorted(path for path in files if path.parent.name < before)[-count:]


def records_to_frame(records: list[dict[str, Any]]) -> pl.DataFrame:
    """Canonical records as a frame with the raw schema (source/date live in the path)."""
    rows = [
        {
            **{name: record.get(name) for name in RAW_SCHEMA},
            "attributes": json.dumps(record.get("attributes") or {}, default=str),
        }
        for record in records
    ]
    return pl.DataFrame(rows, schema=RAW_SCHEMA)


def write_partition(raw_root: Path, source: str, day: date, frame: pl.DataFrame) -> Path:
    """Replace a (source, date) partition's file atomically."""
    return write_parquet(frame, partition_dir(raw_root, source, day) / PARTITION_FILE)


def write_parquet(frame: pl.DataFrame, path: Path) -> Path:
    """Replace a lake file atomically (a reader sees the old file or the new one): write a
    temp file beside it, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        frame.write_parquet(temp)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path
