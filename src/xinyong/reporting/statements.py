"""Personal statements (个人声明): the subject's own words attached to its report, about
one account or in general (Art. 16: the subject may explain negative information)."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from ulid import ULID

from xinyong.actors import Principal, Role
from xinyong.audit.log import now_utc
from xinyong.errors import Forbidden, NotFound, UsageError
from xinyong.store.context import Tx
from xinyong.store.tables import credit_accounts, report_statements

MAX_CHARS = 2000


def _own(p: Principal, subject_id: str) -> None:
    if Role.ADMIN in p.roles:
        return
    if Role.SUBJECT not in p.roles or p.subject_id != subject_id:
        raise Forbidden("only the subject adds or withdraws its statements", code="not_own_item")


def add_statement(
    tx: Tx, p: Principal, subject_id: str, text: str, *, account_id: str | None = None
) -> str:
    _own(p, subject_id)
    body = (text or "").strip()
    if not body or len(body) > MAX_CHARS or "\x00" in body:
        raise UsageError(f"a statement has 1 to {MAX_CHARS} characters", code="invalid_statement")
    if account_id is not None:
        owner = tx.conn.execute(
            select(credit_accounts.c.subject_id).where(credit_accounts.c.account_id == account_id)
        ).scalar_one_or_none()
        if owner != subject_id:
            raise NotFound(f"no account {account_id!r} in this report", code="unknown_account")
    sid = str(ULID())
    tx.conn.execute(
        insert(report_statements).values(
            statement_id=sid,
            subject_id=subject_id,
            account_id=account_id,
            text=body,
            added_at=now_utc(),
            added_by=p.principal_id,
        )
    )
    tx.audit("report.statement_added", "subject", subject_id, {"statement_id": sid})
    return sid


def withdraw_statement(tx: Tx, p: Principal, statement_id: str) -> None:
    row = tx.conn.execute(
        select(report_statements.c.subject_id).where(
            report_statements.c.statement_id == statement_id,
            report_statements.c.withdrawn_at.is_(None),
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no statement {statement_id!r}", code="unknown_statement")
    _own(p, row)
    tx.conn.execute(
        update(report_statements)
        .where(report_statements.c.statement_id == statement_id)
        .values(withdrawn_at=now_utc())
    )
    tx.audit("report.statement_withdrawn", "subject", row, {"statement_id": statement_id})
