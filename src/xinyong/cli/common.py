"""Options and helpers shared by every command module."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: $XINYONG_DATABASE_URL or sqlite:///xinyong.db)."),
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
