from tests.forecast.conftest import server  # noqa: F401  (local HTTP server fixture)
