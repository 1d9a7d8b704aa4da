"""The warehouse's dbt CLI resource."""

from functools import cached_property

from dagster_dbt import DbtCliResource

from arb_pipeline.defs.warehouse.resources import VenvDbtCliResource, dbt_resource


def test_the_dbt_version_is_the_one_dbt_reports_without_asking_it_each_run() -> None:
    # dagster-dbt still reads the member this resource overrides ...
    assert isinstance(DbtCliResource.__dict__["_cli_version"], cached_property)
    assert "_cli_version" in VenvDbtCliResource.__dict__
    resource = dbt_resource()
    # ... and the installed dbt-core's version is what `dbt --version` answers
    asked = DbtCliResource.__dict__["_cli_version"].func(resource)
    assert resource._cli_version == asked
