"""Error bodies of CONTRACTS.md for every failure, and never a 500 for bad input."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from xinyong.errors import XinyongError

log = logging.getLogger("xinyong.api")


def error_body(
    code: str, message: str, details: dict[str, object] | None = None
) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def install(app: FastAPI) -> None:
    from xinyong.portal.errors import error_page, is_portal_page

    @app.exception_handler(XinyongError)
    async def _xinyong(request: Request, exc: XinyongError) -> Response:
        if is_portal_page(request):
            return error_page(request, exc.http_status, exc.message)
        return JSONResponse(exc.body(), status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        msg = f"{'.'.join(first['loc'])}: {first['msg']}" if first["loc"] else str(first["msg"])
        if is_portal_page(request):
            return error_page(request, 400, msg)
        return JSONResponse(
            error_body("malformed_request", msg, {"errors": errors}), status_code=400
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if is_portal_page(request) and exc.status_code in (404, 405):
            return error_page(request, exc.status_code, str(exc.detail))
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def _internal(_: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error", exc_info=exc)
        return JSONResponse(
            error_body("internal", "internal error; the operator's log has the details"),
            status_code=500,
        )
