"""The HTTP API (FastAPI): thin routes over the workflow, registry and plan services."""
