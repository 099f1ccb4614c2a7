"""Error pages for the portal's HTML paths (the API keeps its JSON error bodies)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

API_PREFIXES = ("/v1/", "/docs", "/openapi", "/healthz", "/redoc", "/static/")
DATA_SUFFIXES = (".json", ".csv", ".atom", ".parquet")


def is_portal_page(request: Request) -> bool:
    path = request.url.path
    return (
        not path.startswith(API_PREFIXES)
        and not path.endswith(DATA_SUFFIXES)
        and path != "/certificate"
    )


def error_page(request: Request, status: int, message: str) -> Response:
    from xinyong.portal.render import page

    return page(request, "error.html", {"status": status, "message": message}, status_code=status)
