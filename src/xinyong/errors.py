"""Typed errors shared by every module.

Each error carries a stable machine code, a message a user can act on, and the
CLI exit status and HTTP status it maps to (CONTRACTS.md, "Errors"), so the
edges never have to guess how to report a refusal.
"""

from __future__ import annotations

from typing import Any, ClassVar


class XinyongError(Exception):
    """Base of every error the platform raises on purpose."""

    exit_code: ClassVar[int] = 70
    http_status: ClassVar[int] = 500
    default_code: ClassVar[str] = "internal"

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class UnusableInput(XinyongError):
    """The input cannot be read at all (missing file, wrong format, malformed request)."""

    exit_code = 1
    http_status = 400
    default_code = "unusable_input"


class UsageError(XinyongError):
    exit_code = 2
    http_status = 400
    default_code = "usage"


class RuleRefused(XinyongError):
    """Valid shape, refused by a rule (no legal basis, outside an agency's kinds, ...)."""

    exit_code = 3
    http_status = 422
    default_code = "refused"


class Conflict(XinyongError):
    exit_code = 3
    http_status = 409
    default_code = "conflict"


class NotFound(XinyongError):
    exit_code = 4
    http_status = 404
    default_code = "not_found"


class Unauthorized(XinyongError):
    exit_code = 3
    http_status = 401
    default_code = "unauthorized"


class Forbidden(XinyongError):
    exit_code = 3
    http_status = 403
    default_code = "forbidden"


class CatalogueError(XinyongError):
    """The catalogue data does not load: the platform refuses to start on it."""

    exit_code = 1
    http_status = 500
    default_code = "catalogue_invalid"


class PayloadTooLarge(XinyongError):
    """An upload over its size limit."""

    exit_code = 1
    http_status = 413
    default_code = "payload_too_large"


class UnsupportedMediaType(XinyongError):
    """An upload of a type the endpoint does not take."""

    exit_code = 1
    http_status = 415
    default_code = "unsupported_media_type"
