"""Warehouse resources: the dbt project and the dbt CLI that builds it."""

import sys
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtProjectPreparer, DbtCliResource, DbtProject
from packaging.version import Version

from arb_pipeline.paths import DBT_PROJECT_DIR

# this virtualenv's dbt: `.venv/bin/dagster dev` does not put .venv/bin on PATH
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class VenvDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource, told the version of this virtualenv's dbt."""

    @cached_property
    def _cli_version(self) -> Version:
        # dagster-dbt asks `dbt --version` in a subprocess once per resource, i.e. once per
        # run (3 s of CPU: it imports all of dbt); the executable is this virtualenv's, so
        # its version is the installed dbt-core's. Overrides a private member: test_resources
        # checks that it is still the one dagster-dbt reads.
        return Version(version("dbt-core"))


def dbt_resource() -> DbtCliResource:
    """The dbt CLI of this virtualenv, pointed at the project and its committed profiles."""
    return VenvDbtCliResource(
        project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=DBT_EXECUTABLE
    )


class VenvDbtPreparer(DagsterDbtProjectPreparer):
    """Writes the manifest with this virtualenv's dbt (the default looks `dbt` up on PATH)."""

    def prepare(self, project: DbtProject) -> None:
        dbt_resource().cli(["parse", "--quiet"], target_path=project.target_path).wait()


# `dagster dev` re-parses the project at load so model edits show up; everywhere else the
# manifest is built once at install time (`dbt parse`, see README), and nothing runs at import.
VenvDbtPreparer().prepare_if_dev(dbt_project)

warehouse_resources = dg.Definitions(resources={"dbt": dbt_resource()})
