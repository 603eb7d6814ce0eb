import pytest

from tests.forecast.local_server import LocalServer


@pytest.fixture
def server():
    """``server(*responses, stall=False)`` starts a local HTTP server, closed after the test."""
    started = []

    def start(*responses, stall=False):
        s = LocalServer(*responses, stall=stall)
        started.append(s)
        return s

    yield start
    for s in started:
        s.close()
