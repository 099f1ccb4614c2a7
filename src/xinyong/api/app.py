"""The FastAPI application factory (``xinyong serve`` and tests)."""

from __future__ import annotations

from fastapi import FastAPI

from xinyong import __version__
from xinyong.api import errors
from xinyong.api.routes import agency, cases, catalogue, health, lists, me, measures, subjects
from xinyong.catalogue import get_catalogue
from xinyong.store.context import Store


def create_app(database_url: str | None = None) -> FastAPI:
    """The app; refuses to start on an invalid catalogue (it is loaded here, once)."""
    get_catalogue()
    app = FastAPI(
        title="xinyong",
        version=__version__,
        description=(
            "Public credit information as it actually works: agencies report records with "
            "their legal basis, subjects' files are read with a stated purpose and every "
            "non-public read is logged. Errors use the body "
            '`{"error": {"code", "message", "details"}}`.'
        ),
    )
    app.state.store = Store(database_url)
    errors.install(app)
    for r in (
        health.router,
        agency.router,
        subjects.router,
        catalogue.router,
        lists.router,
        measures.router,
        me.router,
        cases.router,
    ):
        app.include_router(r)
    return app
