"""The Dagster code location loads and is documented."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from arb_pipeline.definitions import defs


def test_dagster_definitions_validate() -> None:
    dagster = Path(sys.executable).with_name("dagster")
    completed = subprocess.run(
        [str(dagster), "definitions", "validate", "-m", "arb_pipeline.definitions"],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_every_asset_has_a_description_and_a_domain_group() -> None:
    graph = defs.resolve_asset_graph()
    groups = {"ingest", "warehouse", "pricing", "alerts", "trades", "reporting"}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, f"{key.to_user_string()} has no description"
        assert node.group_name in groups, f"{key.to_user_string()} is in group {node.group_name}"


def test_flow_is_wired_from_scrape_to_opportunities() -> None:
    graph = defs.resolve_asset_graph()
    upstream = graph.get(dg.AssetKey("fct_opportunity_exits")).parent_keys
    assert dg.AssetKey("resale_predictions") in upstream
    exits = dg.AssetKey("fct_opportunity_exits")
    assert exits in graph.get(dg.AssetKey("fct_opportunities")).parent_keys
    assert dg.AssetKey("raw_listings") in graph.get(dg.AssetKey("stg_lake__listings")).parent_keys
    assert dg.AssetKey("mart_training_comps") in graph.get(dg.AssetKey("resale_model")).parent_keys
    # the loop closes: the ledger's snapshot feeds the trades facts, and the report reads them
    assert dg.AssetKey("trades_ledger") in graph.get(dg.AssetKey("fct_trades")).parent_keys
    assert dg.AssetKey("mart_inventory") in graph.get(dg.AssetKey("market_report")).parent_keys


def test_dbt_tests_are_asset_checks() -> None:
    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert "unique_fct_listings_listing_key" in checks
    assert any(name.startswith("accepted_values_fct_opportunities_confidence") for name in checks)
    expected = {"crawl_complete", "pages_parsed", "parser_health", "holdout_coverage"}
    assert expected | {"intervals_ordered"} <= checks


# Run in a fresh interpreter: Dagster itself is imported first (its vendored croniter runs
# `file` once to learn the word size), then every process started while the project's
# definitions load is recorded through the interpreter's audit hooks; then the model and SDK
# libraries that loading must leave to the assets using them are looked for.
NO_PROCESS_AT_IMPORT = """
import sys
import dagster, dagster_dbt
started = []
events = {"subprocess.Popen", "os.system", "os.posix_spawn", "os.spawn", "os.exec", "os.fork"}
sys.addaudithook(lambda event, args: event in events and started.append(f"{event} {args!r:.300}"))
from arb_pipeline.definitions import defs
assert defs.resolve_asset_graph().get_all_asset_keys()
# only the assets that fit, vet or parse need these (each costs every run worker 1-4 s of CPU)
heavy = [f"imported {name}" for name in ("sklearn", "openai", "extruct") if name in sys.modules]
print("\\n".join(started + heavy))
"""


def test_loading_the_definitions_starts_no_process_and_imports_no_model_library() -> None:
    env = {name: value for name, value in os.environ.items() if name != "DAGSTER_IS_DEV_CLI"}
    completed = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", NO_PROCESS_AT_IMPORT],
        capture_output=True,
        text=True,
        env=env,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "", f"started or imported at load: {completed.stdout}"
