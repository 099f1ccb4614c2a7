"""Options and helpers shared by every command module."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console

if TYPE_CHECKING:
    from xinyong.actors import Principal
    from xinyong.store.context import Store

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (default: $XINYONG_DATABASE_URL or sqlite:///xinyong.db)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Principal to act as (default: $XINYONG_ACTOR or the local admin)."),
]

console = Console()
err_console = Console(stderr=True)


def db_url(db: str | None) -> str:
    from xinyong.settings import get_settings

    return db or get_settings().database_url


def print_json(data: Any) -> None:
    """Print JSON for machines: pydantic models (or lists of them) are dumped in JSON mode."""

    def conv(x: Any) -> Any:
        if isinstance(x, BaseModel):
            return x.model_dump(mode="json")
        if isinstance(x, list | tuple):
            return [conv(i) for i in x]
        if isinstance(x, dict):
            return {k: conv(v) for k, v in x.items()}
        return x

    sys.stdout.write(json.dumps(conv(data), ensure_ascii=False, indent=2, default=str) + "\n")


OnOption = Annotated[
    str | None,
    typer.Option("--on", help="Valid time: what was in force on this date (YYYY-MM-DD)."),
]
KnownAtOption = Annotated[
    str | None,
    typer.Option(
        "--known-at",
        help="Transaction time: what the platform knew then (ISO timestamp; naive = CST).",
    ),
]


def parse_on(value: str | None) -> date:
    from xinyong.calendar import today_cst
    from xinyong.errors import UsageError

    if value is None:
        return today_cst()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--on {value!r} is not a date (YYYY-MM-DD)") from None


def parse_known_at(value: str | None) -> datetime:
    from zoneinfo import ZoneInfo

    from xinyong.errors import UsageError

    if value is None:
        return datetime.now(UTC)
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--known-at {value!r} is not an ISO timestamp") from None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return ts.astimezone(UTC)


def open_store(db: str | None) -> Store:
    from xinyong.store.context import Store

    return Store(db_url(db))


def acting_principal(store: Store, pid: str | None) -> Principal:
    """The principal named by ``--as``/``--reviewer``/``--officer`` (default: the local actor)."""
    from xinyong.store.actors import get_principal

    with store.read() as conn:
        p = get_principal(conn, pid or store.default_actor())
    assert p is not None  # get_principal raises NotFound for an unknown id
    return p
