"""Registering agencies, principals and API keys.

Keys are random 32-byte tokens shown once; the store keeps only a short prefix (to
name the key) and the SHA-256 of the token, which suffices for high-entropy secrets.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, select, update
from ulid import ULID

from xinyong.actors import PLATFORM_ORG, SLUG, Agency, Principal, Role
from xinyong.audit.log import now_utc
from xinyong.audit.plain_sql import read_json, read_ts
from xinyong.audit.plain_sql import run as run_sql
from xinyong.errors import Conflict, Forbidden, NotFound, RuleRefused, Unauthorized, UsageError
from xinyong.store.context import LOCAL_ADMIN, Tx
from xinyong.store.tables import agencies, api_keys, principals

TOKEN_PREFIX = "xy_"


def new_id() -> str:
    return str(ULID())


# --- agencies -----------------------------------------------------------------------


def add_agency(tx: Tx, agency: Agency, *, update_existing: bool = False) -> bool:
    """Register an agency (and its reporting principal). Returns False if unchanged."""
    from xinyong.catalogue import get_catalogue
    from xinyong.identity import check_code

    if not SLUG.match(agency.code):
        raise UsageError(
            f"agency code {agency.code!r} must be a lower-case slug (letters, digits, hyphens)"
        )
    cat = get_catalogue()
    if agency.sector not in cat.sectors:
        raise RuleRefused(
            f"unknown sector {agency.sector!r}; known: {', '.join(sorted(cat.sectors))}",
            code="unknown_sector",
        )
    for k in agency.kinds:
        if k not in cat.kinds:
            raise RuleRefused(f"unknown record kind {k!r}", code="unknown_kind")
    known_types = cat.implementing_types
    for t in agency.implements:
        if t not in known_types:
            raise RuleRefused(
                f"unknown implementing agency type {t!r}; known: {', '.join(sorted(known_types))}",
                code="unknown_implementing_type",
            )
    if agency.uscc:
        chk = check_code(agency.uscc)
        if not chk.valid or chk.kind != "organisation":
            msg = chk.error.message if chk.error else "not an organisation code"
            raise RuleRefused(f"agency USCC {agency.uscc!r} is invalid: {msg}", code="invalid_uscc")
        agency = agency.model_copy(update={"uscc": chk.canonical})
    values = {
        "name_zh": agency.name_zh,
        "name_en": agency.name_en,
        "uscc": agency.uscc,
        "sector": agency.sector,
        "kinds": sorted(set(agency.kinds)),
        "implements": sorted(set(agency.implements)),
        "higher_authority": agency.higher_authority,
    }
    existing = get_agency(tx.conn, agency.code, missing_ok=True)
    if existing is not None:
        same = (
            existing.name_zh == agency.name_zh
            and existing.name_en == agency.name_en
            and existing.uscc == agency.uscc
            and existing.sector == agency.sector
            and sorted(existing.kinds) == values["kinds"]
            and sorted(existing.implements) == values["implements"]
            and existing.higher_authority == agency.higher_authority
        )
        if same:
            return False
        if not update_existing:
            raise Conflict(
                f"agency {agency.code!r} is already registered differently (use --update)",
                code="agency_exists",
            )
        tx.conn.execute(update(agencies).where(agencies.c.code == agency.code).values(**values))
        tx.audit("agency.updated", "agency", agency.code, {"kinds": values["kinds"]})
        return True
    if agency.uscc:
        other = tx.conn.execute(
            select(agencies.c.code).where(agencies.c.uscc == agency.uscc)
        ).scalar_one_or_none()
        if other:
            raise Conflict(f"USCC {agency.uscc} is already registered to agency {other!r}")
    tx.conn.execute(insert(agencies).values(code=agency.code, created_at=now_utc(), **values))
    tx.audit("agency.added", "agency", agency.code, {"kinds": values["kinds"]})
    if get_principal(tx.conn, agency.code, missing_ok=True) is None:
        add_principal(
            tx,
            Principal(
                principal_id=agency.code,
                display_name=agency.name_zh,
                organisation=agency.code,
                roles=frozenset({Role.AGENCY}),
            ),
        )
    return True


def _agency(row: object) -> Agency:
    r = row._mapping  # type: ignore[attr-defined]
    return Agency(
        code=r["code"],
        name_zh=r["name_zh"],
        name_en=r["name_en"],
        uscc=r["uscc"],
        sector=r["sector"],
        kinds=tuple(r["kinds"]),
        implements=tuple(r["implements"] or ()),
        higher_authority=r["higher_authority"],
    )


def get_agency(conn: Connection, code: str, *, missing_ok: bool = False) -> Agency | None:
    row = conn.execute(select(agencies).where(agencies.c.code == code)).one_or_none()
    if row is None:
        if missing_ok:
            return None
        raise NotFound(
            f"agency {code!r} is not registered (xinyong agencies add …)", code="unknown_agency"
        )
    return _agency(row)


def list_agencies(conn: Connection) -> list[Agency]:
    return [_agency(r) for r in conn.execute(select(agencies).order_by(agencies.c.code))]


# --- principals ---------------------------------------------------------------------


def add_principal(tx: Tx, p: Principal) -> None:
    if get_principal(tx.conn, p.principal_id, missing_ok=True) is not None:
        raise Conflict(f"principal {p.principal_id!r} already exists", code="principal_exists")
    if (
        (
            p.organisation != PLATFORM_ORG
            and get_agency(tx.conn, p.organisation, missing_ok=True) is None
        )
        and Role.LENDER not in p.roles
        and Role.SUBJECT not in p.roles
    ):
        raise NotFound(
            f"organisation {p.organisation!r} is neither the platform nor a registered agency",
            code="unknown_organisation",
        )
    tx.conn.execute(
        insert(principals).values(
            principal_id=p.principal_id,
            display_name=p.display_name,
            organisation=p.organisation,
            roles=sorted(r.value for r in p.roles),
            subject_id=p.subject_id,
            created_at=now_utc(),
        )
    )
    tx.audit(
        "principal.added",
        "principal",
        p.principal_id,
        {"organisation": p.organisation, "roles": sorted(r.value for r in p.roles)},
    )


def ensure_local_admin(tx: Tx) -> bool:
    if get_principal(tx.conn, LOCAL_ADMIN, missing_ok=True) is not None:
        return False
    add_principal(
        tx,
        Principal(
            principal_id=LOCAL_ADMIN,
            display_name="Local administrator",
            organisation=PLATFORM_ORG,
            roles=frozenset({Role.ADMIN}),
        ),
    )
    return True


def _principal(row: object) -> Principal:
    r = row._mapping  # type: ignore[attr-defined]
    return Principal(
        principal_id=r["principal_id"],
        display_name=r["display_name"],
        organisation=r["organisation"],
        roles=frozenset(Role(x) for x in r["roles"]),
        subject_id=r["subject_id"],
    )


def get_principal(conn: Connection, pid: str, *, missing_ok: bool = False) -> Principal | None:
    row = conn.execute(
        select(principals).where(
            principals.c.principal_id == pid, principals.c.disabled_at.is_(None)
        )
    ).one_or_none()
    if row is None:
        if missing_ok:
            return None
        raise NotFound(f"principal {pid!r} is not registered", code="unknown_principal")
    return _principal(row)


def require_principal(conn: Connection, pid: str, role: Role) -> Principal:
    """Resolve a principal named on the command line and check it holds ``role``."""
    p = get_principal(conn, pid)
    assert p is not None
    if not p.has(role):
        raise Forbidden(f"principal {pid!r} does not hold the role {role.value!r}")
    return p


def list_principals(conn: Connection) -> list[Principal]:
    rows = conn.execute(select(principals).order_by(principals.c.principal_id))
    return [_principal(r) for r in rows]


# --- keys ---------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_key(tx: Tx, principal_id: str, *, valid_days: int | None = 365) -> tuple[str, str]:
    """Create a key for a principal; returns (key_id, token). The token is shown once."""
    get_principal(tx.conn, principal_id)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key_id = new_id()
    now = now_utc()
    expires: datetime | None = now + timedelta(days=valid_days) if valid_days else None
    tx.conn.execute(
        insert(api_keys).values(
            key_id=key_id,
            principal_id=principal_id,
            prefix=token[:10],
            sha256=_digest(token),
            created_at=now,
            expires_at=expires,
        )
    )
    tx.audit("key.created", "api_key", key_id, {"principal": principal_id})
    return key_id, token


def revoke_key(tx: Tx, key_id: str) -> None:
    res = tx.conn.execute(
        update(api_keys)
        .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now_utc())
    )
    if res.rowcount == 0:
        raise NotFound(f"no active key {key_id!r}", code="unknown_key")
    tx.audit("key.revoked", "api_key", key_id, {})


_KEY_AND_PRINCIPAL = (
    "SELECT k.expires_at, k.revoked_at, p.principal_id, p.display_name, p.organisation, "
    "p.roles, p.subject_id, p.disabled_at "
    "FROM api_keys k LEFT JOIN principals p ON p.principal_id = k.principal_id "
    "WHERE k.sha256 = ?"
)


def authenticate(conn: Connection, token: str) -> Principal:
    """The principal of an API key, checked against the store on every request (no
    cache: a revoked key stops working at once). One driver statement: it runs on
    every API request (decision 103)."""
    row = run_sql(conn, _KEY_AND_PRINCIPAL, (_digest(token),)).fetchone()
    if row is None:
        raise Unauthorized("unknown API key")
    expires_at, revoked_at, pid, name, org, roles, subject_id, disabled_at = row
    if revoked_at is not None:
        raise Unauthorized("this API key has been revoked")
    exp = read_ts(expires_at)
    if exp is not None and exp <= now_utc():
        raise Unauthorized("this API key has expired")
    if pid is None or disabled_at is not None:
        raise Unauthorized("the principal of this key is disabled")
    return Principal(
        principal_id=pid,
        display_name=name,
        organisation=org,
        roles=frozenset(Role(x) for x in read_json(roles)),
        subject_id=subject_id,
    )


def list_keys(conn: Connection) -> list[dict[str, object]]:
    rows = conn.execute(
        select(
            api_keys.c.key_id,
            api_keys.c.principal_id,
            api_keys.c.prefix,
            api_keys.c.created_at,
            api_keys.c.expires_at,
            api_keys.c.revoked_at,
        ).order_by(api_keys.c.created_at)
    )
    return [dict(r._mapping) for r in rows]
