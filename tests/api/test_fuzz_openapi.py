"""Schema-driven fuzzing of the HTTP API: schemathesis generates requests from the OpenAPI
document (with and without an administrator's key) and no response may be a 5xx.

Runs on SQLite only: it checks the request handling, not the engine (the engine-specific
paths are covered by the parametrised tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from xinyong.settings import Settings
from xinyong.store.actors import create_key, ensure_local_admin
from xinyong.store.context import Store
from xinyong.store.migrate import upgrade

_keys: dict[str, str] = {}


@pytest.fixture(scope="module")
def fuzz_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.portal.conftest import build_portal_store

    from xinyong.api.app import create_app

    tmp: Path = tmp_path_factory.mktemp("fuzz")
    store = Store(f"sqlite:///{tmp / 'fuzz.db'}", Settings(signing_key_path=tmp / "k.key"))
    upgrade(store)
    with store.write() as tx:
        ensure_local_admin(tx)
    build_portal_store(store, tmp)
    with store.write() as tx:
        _keys["admin"] = create_key(tx, "admin")[1]
    app = create_app(store.url)
    app.state.store = store
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("fuzz_schema")


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: Any) -> None:
    for headers in ({}, {"Authorization": f"Bearer {_keys.get('admin', '')}"}):
        response = case.call(headers=headers)
        assert response.status_code < 500, (
            case.method,
            case.formatted_path,
            response.status_code,
            response.text[:300],
        )
