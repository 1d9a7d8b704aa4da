"""The Parquet lake: hive partitions by source and date, replaced atomically."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from arb_pipeline.lake import RAW_SCHEMA, earlier_partitions, records_to_frame, write_partition
from arb_pipeline.sources.common import make_record

DAY = date(2024, 5, 1)


def _records(*titles: str) -> list[dict]:
    return [
        make_record(
            source="craigslist",
            listing_id=str(100 + index),
            url=f"https://chicago.craigslist.org/sss/{100 + index}.html",
            title=title,
            price=100.0 + index,
            currency="USD",
            condition="good",
            listed_at=datetime(2024, 5, 1, 12, tzinfo=UTC),
            attributes={"image_ids": ["1:abc"], "odometer": 12000 + index},
        )
        for index, title in enumerate(titles)
    ]


def _files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_write_partition_writes_a_hive_file_with_the_raw_schema(tmp_path: Path) -> None:
    path = write_partition(tmp_path, "craigslist", DAY, records_to_frame(_records("A", "B")))
    assert path == tmp_path / "source=craigslist" / "date=2024-05-01" / "listings.parquet"
    frame = pl.read_parquet(path)
    assert frame.schema == pl.Schema(RAW_SCHEMA)
    assert frame["title"].to_list() == ["A", "B"]
    assert json.loads(frame["attributes"][0]) == {"image_ids": ["1:abc"], "odometer": 12000}


def test_writing_again_replaces_the_partition(tmp_path: Path) -> None:
    write_partition(tmp_path, "craigslist", DAY, records_to_frame(_records("old", "old2")))
    path = write_partition(tmp_path, "craigslist", DAY, records_to_frame(_records("new")))
    assert _files(path.parent) == ["listings.parquet"]
    assert pl.read_parquet(path)["title"].to_list() == ["new"]


def test_a_crash_mid_write_keeps_the_previous_partition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_partition(tmp_path, "craigslist", DAY, records_to_frame(_records("kept")))

    def crash(self: pl.DataFrame, file: Path, *args: object, **kwargs: object) -> None:
        Path(file).write_bytes(b"PAR1junk")
        raise OSError("disk full")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", crash)
    with pytest.raises(OSError, match="disk full"):
        write_partition(tmp_path, "craigslist", DAY, records_to_frame(_records("lost")))
    monkeypatch.undo()
    assert _files(path.parent) == ["listings.parquet"]
    assert pl.read_parquet(path)["title"].to_list() == ["kept"]


def test_duckdb_reads_source_and_date_from_the_partition_path(tmp_path: Path) -> None:
    write_partition(tmp_path, "craigslist", DAY, records_to_frame(_records("A", "B")))
    write_partition(tmp_path, "ebay_api", date(2024, 5, 2), records_to_frame(_records("C")))
    glob = (tmp_path / "**" / "*.parquet").as_posix()
    rows = duckdb.sql(
        f"SELECT source, CAST(date AS VARCHAR) AS day, title "
        f"FROM read_parquet('{glob}', hive_partitioning = true) ORDER BY title"
    ).fetchall()
    assert rows == [
        ("craigslist", "2024-05-01", "A"),
        ("craigslist", "2024-05-01", "B"),
        ("ebay_api", "2024-05-02", "C"),
    ]


def test_earlier_partitions_are_the_last_ones_before_the_day_oldest_first(tmp_path: Path) -> None:
    frame = records_to_frame(_records("Bike"))
    days = [DAY - timedelta(days=n) for n in range(5)]
    for day in days:
        write_partition(tmp_path, "craigslist", day, frame)
    write_partition(tmp_path, "gumtree", DAY - timedelta(days=1), frame)
    earlier = earlier_partitions(tmp_path, "craigslist", DAY, 3)
    assert [path.parent.name for path in earlier] == [
        f"date={day.isoformat()}" for day in sorted(days[1:4])
    ]
    assert earlier_partitions(tmp_path, "craigslist", days[-1], 3) == []
