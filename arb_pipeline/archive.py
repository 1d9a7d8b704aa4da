"""The raw-page archive: every fetched response body, kept so parsing can be replayed.

Layout, under ARB_HOME/archive: `source=<source>/date=<YYYY-MM-DD>/` holds a sandbox
partition's pages; a real marketplace's pages sit in one `search=<name>/` subfolder per saved
search, so a run for one search replaces only that search's pages. A folder holds one gzip
file per response and an index, `pages.jsonl` (url, status, file, fetched_at), in fetch order.
A crawl writes into an `<name>.incoming-…` folder beside its target and swaps it in whole.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from arb_pipeline.paths import ArbHome

INDEX_FILE = "pages.jsonl"


def archive_dir(home: ArbHome, source: str, day: date) -> Path:
    """Where a partition's raw pages are archived."""
    return home.archive / f"source={source}" / f"date={day.isoformat()}"


def search_archive_dir(home: ArbHome, source: str, day: date, search: str) -> Path:
    """Where one saved search's pages of a partition are archived."""
    return archive_dir(home, source, day) / f"search={search}"


def archive_page(folder: Path, url: str, status: int, body: bytes) -> None:
    """Store one response body (gzip) and append it to the folder's index."""
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(url.encode()).hexdigest()[:20] + ".gz"
    (folder / name).write_bytes(gzip.compress(body))
    fetched_at = datetime.now(UTC).isoformat()
    entry = {"url": url, "status": status, "file": name, "fetched_at": fetched_at}
    with open(folder / INDEX_FILE, "a", encoding="utf-8") as index:
        index.write(json.dumps(entry) + "\n")


@dataclass(frozen=True)
class ArchivedPage:
    """One archived response; `fetched_at` is None for archives written before it was kept."""

    url: str
    status: int
    body: bytes
    fetched_at: datetime | None


def archived_pages(folder: Path) -> list[ArchivedPage]:
    """Every archived page of one folder, in fetch order."""
    index = folder / INDEX_FILE
    if not index.exists():
        return []
    pages = []
    for line in index.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        body = gzip.decompress((folder / entry["file"]).read_bytes())
        fetched_at = entry.get("fetched_at")
        moment = datetime.fromisoformat(fetched_at) if fetched_at else None
        pages.append(ArchivedPage(entry["url"], entry["status"], body, moment))
    return pages


def partition_pages(home: ArbHome, source: str, day: date) -> list[ArchivedPage]:
    """A partition's pages: its own folder's (sandbox), then each finished search's."""
    folder = archive_dir(home, source, day)
    if not folder.is_dir():
        return []
    searches = sorted(
        child
        for child in folder.iterdir()
        # a crawl still writing (`….incoming-…`) or a folder being swapped out has a dot
        if child.is_dir() and child.name.startswith("search=") and "." not in child.name
    )
    return [page for each in (folder, *searches) for page in archived_pages(each)]


def incoming_folder(final: Path) -> Path:
    """A new scratch folder beside `final` for a crawl to write into."""
    final.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=final.name + ".incoming-", dir=final.parent))


def replace_folder(incoming: Path, final: Path) -> None:
    """Swap a finished crawl's folder in for the pages archived before it."""
    old = final.with_name(f"{final.name}.old-{uuid.uuid4().hex[:8]}")
    if final.exists():
        final.rename(old)
    incoming.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def prune_archive(home: ArbHome, keep_days: int, today: date) -> list[Path]:
    """Delete archived page folders older than `keep_days`; return what was removed."""
    cutoff = f"date={(today - timedelta(days=keep_days)).isoformat()}"
    removed = []
    for folder in sorted(home.archive.glob("source=*/date=*")):
        if folder.is_dir() and folder.name < cutoff:
            shutil.rmtree(folder)
            removed.append(folder)
    return removed


def last_fetches(home: ArbHome) -> dict[str, datetime]:
    """When each source last archived pages: the newest archive index it wrote.

    Read from the archive rather than the lake, so a re-parse backfill does not make a
    stopped scraper look fresh.
    """
    latest: dict[str, datetime] = {}
    for index in home.archive.glob(f"source=*/date=*/**/{INDEX_FILE}"):
        source = index.relative_to(home.archive).parts[0].removeprefix("source=")
        moment = datetime.fromtimestamp(index.stat().st_mtime, UTC)
        latest[source] = max(moment, latest.get(source, moment))
    return latest
