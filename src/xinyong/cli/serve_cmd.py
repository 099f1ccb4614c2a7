"""``xinyong serve``: the API (and, later, the portal) over HTTP."""

from __future__ import annotations

from typing import Annotated

import typer

from xinyong.cli.common import DbOption, console, db_url


def serve_app(url: str, host: str, port: int) -> None:
    import uvicorn

    from xinyong.api.app import create_app

    console.print(
        f"serving on [bold]http://{host}:{port}/[/]  (API docs: http://{host}:{port}/docs)"
    )
    uvicorn.run(create_app(url), host=host, port=port, log_level="warning")


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
) -> None:
    """Serve the HTTP API with its OpenAPI docs at /docs."""
    serve_app(db_url(db), host, port)


def register(root: typer.Typer) -> None:
    root.command("serve")(serve)
