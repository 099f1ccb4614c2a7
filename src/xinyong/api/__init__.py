"""The HTTP API (FastAPI): routers per audience over the same domain functions."""
