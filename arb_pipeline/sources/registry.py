"""Which parser each source uses, where the sandbox serves it, and which real sites we crawl."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Source:
    """A source the pipeline can crawl: parser module, sandbox feed, whether it needs a browser."""

    name: str
    parser: str
    sandbox_feed: str | None = None
    render_js: bool = False

    def parser_module(self) -> ModuleType:
        """The module with `parse_with_problems(body, url)` and `next_page(body, url)`."""
        return importlib.import_module(f"arb_pipeline.sources.{self.parser}")


PARSERS = (
    "ebay_api",
    "ebay_finding",
    "craigslist",
    "ebay",
    "gumtree",
    "vinted",
    "mercari",
    "kleinanzeigen",
    "facebook",
)

SANDBOX_SOURCES: dict[str, Source] = {
    "sandbox_ebay_api": Source("sandbox_ebay_api", "ebay_api", "ebay_api"),
    "sandbox_ebay_finding": Source("sandbox_ebay_finding", "ebay_finding", "ebay_finding"),
    "sandbox_craigslist": Source("sandbox_craigslist", "craigslist", "craigslist"),
    "sandbox_facebook": Source("sandbox_facebook", "facebook", "facebook", render_js=True),
}

# Real marketplaces with a fetch side: saved searches crawl them (arb_pipeline.sources.search_urls).
# ebay_finding stays a parser only: eBay decommissioned the Finding API on 2025-02-05.
MARKETPLACE_SOURCES: dict[str, Source] = {
    "ebay_api": Source("ebay_api", "ebay_api"),
    "ebay": Source("ebay", "ebay"),
    "craigslist": Source("craigslist", "craigslist"),
    "gumtree": Source("gumtree", "gumtree"),
    "kleinanzeigen": Source("kleinanzeigen", "kleinanzeigen"),
    "vinted": Source("vinted", "vinted"),
    "mercari": Source("mercari", "mercari"),
    "facebook": Source("facebook", "facebook", render_js=True),
}


def parser_for(name: str) -> ModuleType:
    """The parser module for a source or parser name; KeyError for an unknown one."""
    if name in SANDBOX_SOURCES:
        return SANDBOX_SOURCES[name].parser_module()
    if name in PARSERS:
        return importlib.import_module(f"arb_pipeline.sources.{name}")
    known = sorted(set(PARSERS) | set(SANDBOX_SOURCES))
    raise KeyError(f"unknown source {name!r}; known sources: {', '.join(known)}")
