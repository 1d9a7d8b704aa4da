"""Rows printed by the CLI's list commands: a table, JSON or CSV."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any


def print_rows(
    rows: list[dict[str, Any]],
    fmt: str,
    fields: Sequence[str],
    table: Callable[[list[dict[str, Any]]], None],
    to_json: Callable[[Any], Any] = str,
) -> None:
    """Print rows as JSON, as CSV with `fields` as columns, or through `table`."""
    if fmt == "json":
        print(json.dumps(rows, indent=2, default=to_json))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fields, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        table(rows)
