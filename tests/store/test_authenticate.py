"""API keys resolve to their principal, checked against the store on every call."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from xinyong.actors import Principal, Role
from xinyong.audit.log import now_utc
from xinyong.errors import Unauthorized
from xinyong.store.actors import add_principal, authenticate, create_key, revoke_key
from xinyong.store.context import Store
from xinyong.store.tables import api_keys, principals


def _reviewer(store: Store, pid: str = "rev-1") -> None:
    with store.write() as tx:
        add_principal(
            tx,
            Principal(
                principal_id=pid,
                display_name="评审员 一",
                organisation="platform",
                roles=frozenset({Role.REVIEWER, Role.SUPERVISOR}),
            ),
        )


def test_a_key_gives_its_principal_with_roles(store: Store) -> None:
    _reviewer(store)
    with store.write() as tx:
        _, token = create_key(tx, "rev-1")
    with store.read() as conn:
        p = authenticate(conn, token)
    assert p.principal_id == "rev-1"
    assert p.display_name == "评审员 一"
    assert p.roles == frozenset({Role.REVIEWER, Role.SUPERVISOR})
    assert p.subject_id is None
    with store.read() as conn, pytest.raises(Unauthorized, match="unknown"):
        authenticate(conn, token + "x")


@pytest.mark.parametrize("change", ["revoked", "expired", "disabled"])
def test_revoked_expired_and_disabled(store: Store, change: str) -> None:
    _reviewer(store)
    with store.write() as tx:
        key_id, token = create_key(tx, "rev-1", valid_days=30)
    with store.write() as tx:
        if change == "revoked":
            revoke_key(tx, key_id)
        elif change == "expired":
            tx.conn.execute(
                update(api_keys)
                .where(api_keys.c.key_id == key_id)
                .values(expires_at=now_utc() - timedelta(seconds=1))
            )
        else:
            tx.conn.execute(
                update(principals)
                .where(principals.c.principal_id == "rev-1")
                .values(disabled_at=now_utc())
            )
    with store.read() as conn, pytest.raises(Unauthorized, match=change):
        authenticate(conn, token)


def test_a_key_still_valid_for_a_moment_works(store: Store) -> None:
    _reviewer(store)
    with store.write() as tx:
        key_id, token = create_key(tx, "rev-1", valid_days=30)
        tx.conn.execute(
            update(api_keys)
            .where(api_keys.c.key_id == key_id)
            .values(expires_at=now_utc() + timedelta(minutes=1))
        )
    with store.read() as conn:
        assert authenticate(conn, token).principal_id == "rev-1"
