"""The ordinary procedure's .feature, run by pytest-bdd on SQLite and PostgreSQL."""
import pytest
from pytest_bdd import scenarios

from tests.steps.ordinary_steps import *  # noqa: F401,F403  (the step definitions)


@pytest.fixture(autouse=True)
def _on_each_database(journey):
    """Request the journey up front so each scenario is parametrized over the `store` databases."""
    return journey


scenarios("processes/ordinary_procedure/ordinary_procedure.feature")
