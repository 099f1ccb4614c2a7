"""Registering lenders: organisations of the lending sector that report to the platform.

A lender is not an agency (decision 73): agencies report public credit records under the
catalogue's kinds, lenders report financial accounts that must stay apart. Registering a
lender creates its principal (same handle, role ``lender``); the demo adds a reviewer
principal of the lender to answer disputes.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, insert, select

from xinyong.actors import SLUG, Principal, Role
from xinyong.audit.log import now_utc
from xinyong.errors import Conflict, NotFound, RuleRefused, UsageError
from xinyong.store.actors import add_principal, get_agency, get_principal
from xinyong.store.context import Tx
from xinyong.store.tables import lenders

LICENCES = ("bank", "consumer_finance", "microcredit", "trust", "other")


class Lender(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name_zh: str
    name_en: str | None = None
    uscc: str
    licence: str = "bank"


def add_lender(tx: Tx, lender: Lender) -> bool:
    """Register a lender and its principal; False if it is registered exactly so already."""
    from xinyong.identity import check_code

    if not SLUG.match(lender.code):
        raise UsageError(
            f"lender code {lender.code!r} must be a lower-case slug (letters, digits, hyphens)"
        )
    if not lender.name_zh.strip() or len(lender.name_zh) > 200:
        raise UsageError("a lender needs a name of at most 200 characters")
    if lender.licence not in LICENCES:
        raise RuleRefused(
            f"unknown licence {lender.licence!r}; known: {', '.join(LICENCES)}",
            code="unknown_licence",
        )
    chk = check_code(lender.uscc)
    if not chk.valid or chk.kind != "organisation" or chk.canonical is None:
        msg = chk.error.message if chk.error else "not an organisation code"
        raise RuleRefused(f"lender USCC {lender.uscc!r} is invalid: {msg}", code="invalid_uscc")
    lender = lender.model_copy(update={"uscc": chk.canonical})
    existing = get_lender(tx.conn, lender.code, missing_ok=True)
    if existing is not None:
        if existing == lender:
            return False
        raise Conflict(
            f"lender {lender.code!r} is already registered differently", code="lender_exists"
        )
    if get_agency(tx.conn, lender.code, missing_ok=True) is not None:
        raise Conflict(f"{lender.code!r} is an agency's code", code="code_taken")
    other = tx.conn.execute(
        select(lenders.c.code).where(lenders.c.uscc == lender.uscc)
    ).scalar_one_or_none()
    if other:
        raise Conflict(f"USCC {lender.uscc} is already registered to lender {other!r}")
    tx.conn.execute(insert(lenders).values(**lender.model_dump(), created_at=now_utc()))
    tx.audit("lender.added", "lender", lender.code, {"licence": lender.licence})
    if get_principal(tx.conn, lender.code, missing_ok=True) is None:
        add_principal(
            tx,
            Principal(
                principal_id=lender.code,
                display_name=lender.name_zh,
                organisation=lender.code,
                roles=frozenset({Role.LENDER}),
            ),
        )
    return True


def get_lender(conn: Connection, code: str, *, missing_ok: bool = False) -> Lender | None:
    row = conn.execute(select(lenders).where(lenders.c.code == code)).one_or_none()
    if row is None:
        if missing_ok:
            return None
        raise NotFound(
            f"lender {code!r} is not registered (xinyong lenders add …)", code="unknown_lender"
        )
    m = row._mapping
    return Lender(
        code=m["code"],
        name_zh=m["name_zh"],
        name_en=m["name_en"],
        uscc=m["uscc"],
        licence=m["licence"],
    )


def list_lenders(conn: Connection) -> list[Lender]:
    rows = conn.execute(select(lenders.c.code).order_by(lenders.c.code)).scalars().all()
    out = []
    for code in rows:
        lender = get_lender(conn, code)
        assert lender is not None
        out.append(lender)
    return out


def lender_of(p: Principal) -> str:
    """The lender a principal acts for; Forbidden unless it holds the lender role."""
    from xinyong.errors import Forbidden

    if Role.LENDER not in p.roles:
        raise Forbidden(f"{p.principal_id} does not act for a lender", code="not_lender")
    return p.organisation
