"""What a test needs from the machine: missing, it skips, except under CI=true, where it fails."""

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    """True under CI=true, where every test must run."""
    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail(message: str) -> NoReturn:
    """Skip the test saying what is missing; under CI=true fail instead (nothing may skip)."""
    if in_ci():
        pytest.fail(f"{message} (CI=true: this test must not be skipped)")
    pytest.skip(message)
