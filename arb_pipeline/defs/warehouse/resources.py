"""Warehouse resources: the dbt project and the dbt CLI that builds it."""

import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

from arb_pipeline.paths import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# `dagster dev` re-parses the project at load so model edits show up; everywhere else the
# manifest is built once at install time (`dbt parse`, see README), and nothing runs at import.
dbt_project.prepare_if_dev()


def dbt_resource() -> DbtCliResource:
    """The dbt CLI of this virtualenv, pointed at the project and its committed profiles."""
    return DbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=str(Path(sys.executable).with_name("dbt")),
    )


warehouse_resources = dg.Definitions(resources={"dbt": dbt_resource()})
