"""Which parser each source uses, where the sandbox serves it, and which real sites we crawl.

A marketplace registers itself by being a module of this package: a module with a
`parse_with_problems` and `PAGE_MARKERS` is a parser; one that also declares `MARKETPLACE`
(search_urls.Marketplace) is crawled for saved searches.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from types import ModuleType

import arb_pipeline.sources as _package


@dataclass(frozen=True)
class Source:
    """A sandbox source: the parser module it shares with a real site, its sandbox feed."""

    name: str
    parser: str
    sandbox_feed: str | None = None
    render_js: bool = False

    def parser_module(self) -> ModuleType:
        """The module with `parse_with_problems(body, url)` and `next_page(body, url)`."""
        return importlib.import_module(f"arb_pipeline.sources.{self.parser}")


@cache
def _parser_modules() -> dict[str, ModuleType]:
    """The package's parser modules by name (imported on first use, not at import time)."""
    modules = {}
    for info in pkgutil.iter_modules(_package.__path__):
        module = importlib.import_module(f"arb_pipeline.sources.{info.name}")
        if hasattr(module, "parse_with_problems") and hasattr(module, "PAGE_MARKERS"):
            modules[info.name] = module
    return modules


SANDBOX_SOURCES: dict[str, Source] = {
    "sandbox_ebay_api": Source("sandbox_ebay_api", "ebay_api", "ebay_api"),
    "sandbox_ebay_finding": Source("sandbox_ebay_finding", "ebay_finding", "ebay_finding"),
    "sandbox_craigslist": Source("sandbox_craigslist", "craigslist", "craigslist"),
    "sandbox_mercari": Source("sandbox_mercari", "mercari", "mercari"),
    "sandbox_facebook": Source("sandbox_facebook", "facebook", "facebook", render_js=True),
}


def __getattr__(name: str) -> object:
    """`PARSERS` (every parser's name) and `MARKETPLACE_SOURCES` (the crawled marketplaces),
    found among the package's modules on first use."""
    if name == "PARSERS":
        return tuple(sorted(_parser_modules()))
    if name == "MARKETPLACE_SOURCES":
        # ebay_finding stays a parser only (eBay decommissioned the Finding API on 2025-02-05)
        modules = _parser_modules().items()
        return {n: m.MARKETPLACE for n, m in modules if hasattr(m, "MARKETPLACE")}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def parser_for(name: str) -> ModuleType:
    """The parser module for a source or parser name; KeyError for an unknown one."""
    if name in SANDBOX_SOURCES:
        return SANDBOX_SOURCES[name].parser_module()
    modules = _parser_modules()
    if name in modules:
        return modules[name]
    known = sorted(set(modules) | set(SANDBOX_SOURCES))
    raise KeyError(f"unknown source {name!r}; known sources: {', '.join(known)}")
