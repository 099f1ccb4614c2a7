"""The FastAPI application factory (``xinyong serve`` and tests)."""

from __future__ import annotations

from fastapi import FastAPI

from xinyong import __version__
from xinyong.api import errors
from xinyong.api.routes import agency, cases, catalogue, health, lists, me, measures, subjects
from xinyong.api.routes import reporting as reporting_routes
from xinyong.api.routes import supervision as supervision_routes
from xinyong.api.routes import webhooks as webhook_routes
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
        webhook_routes.router,
        reporting_routes.router,
        supervision_routes.router,
    ):
        app.include_router(r)
    _portal(app)
    return app


def _portal(app: FastAPI) -> None:
    """The public portal on the same app: its pages, static assets and signed sessions."""
    import hashlib
    from pathlib import Path

    from fastapi.staticfiles import StaticFiles
    from starlette.middleware.sessions import SessionMiddleware

    from xinyong.portal import account, pages

    store: Store = app.state.store
    secret = hashlib.sha256(
        store.signer.private.private_bytes_raw() + b"xinyong-portal-session"
    ).hexdigest()
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie="xinyong_session",
        max_age=8 * 3600,
        same_site="strict",
        https_only=store.settings.mode == "production",
    )
    static = Path(pages.__file__).with_name("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.include_router(account.router)
    app.include_router(pages.router)
