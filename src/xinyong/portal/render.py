"""Rendering a page or its JSON twin from one model, so the two never disagree."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from xinyong.portal.i18n import LANGUAGES, pick, translator

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
TEMPLATES.env.autoescape = True  # every field user-supplied or not is escaped


def _date(value: date | datetime | str | None, lang: str = "zh") -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


TEMPLATES.env.filters["d"] = _date


def lang_of(request: Request) -> str:
    return pick(
        request.query_params.get("lang"),
        request.cookies.get("lang"),
        request.headers.get("accept-language"),
    )


def wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json")


def html_path(request: Request) -> str:
    """The HTML page's path (a JSON twin's path without ``.json``)."""
    p = request.url.path
    return p[: -len(".json")] if p.endswith(".json") else p


def dump(data: BaseModel | dict[str, Any] | list[Any]) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, list):
        return [dump(x) for x in data]
    return {k: dump(v) if isinstance(v, BaseModel | list | dict) else v for k, v in data.items()}


def page(
    request: Request,
    template: str,
    data: BaseModel | dict[str, Any],
    *,
    status_code: int = 200,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The page, or its JSON twin when the path ends in ``.json``."""
    if wants_json(request):
        return JSONResponse(dump(data), status_code=status_code)
    lang = lang_of(request)
    ctx: dict[str, Any] = {
        "data": data,
        "_": translator(lang),
        "lang": lang,
        "languages": LANGUAGES,
        "path": html_path(request),
        "query": request.url.query,
        "session": getattr(request, "session", {}) if "session" in request.scope else {},
        **(extra or {}),
    }
    resp = TEMPLATES.TemplateResponse(request, template, ctx, status_code=status_code)
    if request.query_params.get("lang") in LANGUAGES:
        resp.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return resp
