"""The only fixtures file: the packaged engine, loaded once per test session."""

import pytest


@pytest.fixture(scope="session")
def engine():
    from suggester import Suggester

    return Suggester()
