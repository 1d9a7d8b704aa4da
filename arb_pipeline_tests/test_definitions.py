"""The Dagster code location loads and is documented."""

import os
import subprocess
import sys

import dagster as dg
import pytest

from arb_pipeline.definitions import defs


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


# `dagster definitions validate` run in a fresh interpreter (the entry point the `dagster`
# script declares), which loads the definitions in process: Dagster itself is imported first
# (its vendored croniter runs `file` once to learn the word size), then every process started
# while the command loads the project's definitions is recorded through the interpreter's
# audit hooks; then the model and SDK libraries that loading must leave to the assets using
# them are looked for. One interpreter for both checks: each new one pays the ~4 s load of the
# definitions.
VALIDATE_AND_WATCH_THE_LOAD = """
import sys
from importlib.metadata import entry_points
import dagster, dagster_dbt
(main,) = [script.load() for script in entry_points(group="console_scripts", name="dagster")]
started = []
events = {"subprocess.Popen", "os.system", "os.posix_spawn", "os.spawn", "os.exec", "os.fork"}
sys.addaudithook(lambda event, args: event in events and started.append(f"{event} {args!r:.300}"))
sys.argv = ["dagster", "definitions", "validate", "-m", "arb_pipeline.definitions"]
try:
    main()
    code = 0
except SystemExit as exit:
    code = exit.code
from arb_pipeline.definitions import defs
assert defs.resolve_asset_graph().get_all_asset_keys()
# only the assets that fit, vet or parse need these (each costs every run worker 1-4 s of CPU)
heavy = [f"imported {name}" for name in ("sklearn", "openai", "extruct") if name in sys.modules]
print("\\n".join(f"AT LOAD: {line}" for line in started + heavy))
sys.exit(code)
"""


@pytest.fixture(scope="module")
def validated() -> subprocess.CompletedProcess:
    """`dagster definitions validate` on the project, its load watched (see above)."""
    env = {name: value for name, value in os.environ.items() if name != "DAGSTER_IS_DEV_CLI"}
    return subprocess.run(
        [sys.executable, "-W", "ignore", "-c", VALIDATE_AND_WATCH_THE_LOAD],
        capture_output=True,
        text=True,
        env=env,
    )


def test_dagster_definitions_validate(validated) -> None:
    assert validated.returncode == 0, validated.stdout + validated.stderr


def test_loading_the_definitions_starts_no_process_and_imports_no_model_library(
    validated,
) -> None:
    assert validated.returncode == 0, validated.stderr
    at_load = [line for line in validated.stdout.splitlines() if line.startswith("AT LOAD: ")]
    assert at_load == [], f"started or imported at load: {at_load}"
