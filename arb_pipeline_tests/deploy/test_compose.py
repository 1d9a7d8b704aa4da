"""docker-compose.yml validates with `docker-compose config` and keeps its production shape."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from arb_pipeline_tests.requirements import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]


def _compose_config(project: Path) -> dict[str, Any]:
    """`docker-compose config` of the repository's compose file, with `project` as the project
    directory (where compose looks for `.env`), so nothing is written to the repository and a
    real `.env` there is neither read nor touched."""
    if shutil.which("docker-compose") is None:
        skip_or_fail("docker-compose is not installed (apt-get install docker-compose)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "COMPOSE_"))}
    env = {k: v for k, v in env.items() if k not in _example_variables()}
    done = subprocess.run(
        ["docker-compose", "--project-directory", str(project), "-f", "docker-compose.yml"]
        + ["config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def _example_variables() -> set[str]:
    """Every variable .env.example lists, set or commented out."""
    example = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))


@pytest.fixture(scope="module")
def compose_config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The compose file as `docker-compose config` resolves it, with `.env` from .env.example."""
    project = tmp_path_factory.mktemp("compose")
    shutil.copy(ROOT / ".env.example", project / ".env")
    return _compose_config(project)


def test_a_fresh_clone_without_env_file_resolves_with_defaults(tmp_path: Path) -> None:
    services = _compose_config(tmp_path)["services"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "dagster"
    env = services["code"]["environment"]
    assert env["DAGSTER_POSTGRES_PASSWORD"] == "dagster"
    assert env["SENDGRID_API_KEY"] is None  # unset secret: not passed, the feature stays off


def test_every_env_example_setting_reaches_the_dagster_services(tmp_path: Path) -> None:
    optional = _example_variables() - {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}
    optional -= {"ARB_HOME", "DAGSTER_HOME"}  # pinned by compose and the image
    (tmp_path / ".env").write_text("".join(f"{name}=value-of-{name}\n" for name in optional))
    services = _compose_config(tmp_path)["services"]
    for name in ("code", "webserver", "daemon"):
        env = services[name]["environment"]
        missing = {v for v in optional if env.get(v) != f"value-of-{v}"}
        assert not missing, f"{name} does not get {sorted(missing)} from .env"


def test_services_have_healthchecks_and_wait_for_them(compose_config: dict[str, Any]) -> None:
    services = compose_config["services"]
    assert set(services) == {"postgres", "code", "webserver", "daemon"}
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
    assert services["code"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("webserver", "daemon"):
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "code": {"condition": "service_healthy"},
        }


def test_dagster_services_share_postgres_storage_and_the_arb_home_volume(
    compose_config: dict[str, Any],
) -> None:
    services = compose_config["services"]
    pg = services["postgres"]["environment"]
    assert pg["POSTGRES_PASSWORD"] == "change-me"  # interpolated from .env
    for name in ("code", "webserver", "daemon"):
        env = services[name]["environment"]
        assert env["DAGSTER_POSTGRES_HOST"] == "postgres"
        assert env["DAGSTER_POSTGRES_PASSWORD"] == pg["POSTGRES_PASSWORD"]
        assert env["ARB_HOME"] == "/data/arb"
        assert any(v.startswith("arb_home:/data/arb") for v in services[name]["volumes"])
    assert (ROOT / services["code"]["build"]["dockerfile"]).is_file()


def test_only_the_webserver_publishes_a_port_and_only_on_localhost(
    compose_config: dict[str, Any],
) -> None:
    services = compose_config["services"]
    assert [name for name, s in services.items() if s.get("ports")] == ["webserver"]
    for port in services["webserver"]["ports"]:
        assert str(port).startswith("127.0.0.1:3000:3000"), port


def test_env_example_lists_every_readme_variable() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", "".join(first_cells)))
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert "ARB_HOME" in documented
    assert documented <= listed, documented - listed
