"""GET /v1/supervision/plans/{agency}/{period}: the regulator's own principals read its plan."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from tests.supervision._world import SAMR, TAX, populate

from xinyong.actors import Principal, Role
from xinyong.api.app import create_app
from xinyong.store.actors import add_principal, create_key
from xinyong.store.context import Store
from xinyong.supervision import plans
from xinyong.supervision.runs import run_risk_classes
from xinyong.synth import supervision as synth


def test_plan_is_read_by_its_agency(store: Store, tmp_path: Path) -> None:
    populate(store, tmp_path)
    day = date(2026, 7, 10)
    run_risk_classes(store, on=day, authority=SAMR.code)
    with store.write() as tx:
        synth.ensure_inspectors(tx, SAMR, 2)
        add_principal(tx, Principal(principal_id="tax-clerk", display_name="clerk",
                                    organisation=TAX.code, roles=frozenset({Role.AGENCY})))  # fmt: skip
        keys = {p: create_key(tx, p)[1] for p in ("admin", "tax-clerk", f"{SAMR.code}-inspector-1")}
    plans.draw(store, agency=SAMR.code, period="2026-H2", seed=3,
               rates={"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0}, classes_on=day)  # fmt: skip
    app = create_app(store.url)
    app.state.store = store
    client = TestClient(app, raise_server_exceptions=False)

    def get(path: str, who: str | None) -> tuple[int, dict]:  # type: ignore[type-arg]
        h = {"Authorization": f"Bearer {keys[who]}"} if who else {}
        r = client.get(path, headers=h)
        return r.status_code, r.json()

    url = f"/v1/supervision/plans/{SAMR.code}/2026-H2"
    code, body = get(url, f"{SAMR.code}-inspector-1")
    assert code == 200 and body["seed"] == 3 and body["selected"] == 4
    assert all(len(f["inspectors"]) == 2 and "subject_id" not in f for f in body["firms"])
    assert get(url, "admin")[0] == 200
    assert get(url, "tax-clerk")[0] == 403
    assert get(url, None)[0] == 401
    assert get(f"/v1/supervision/plans/{SAMR.code}/2027-H1", "admin")[0] == 404
    assert get(f"/v1/supervision/plans/{SAMR.code}/2026-H3", "admin")[0] in (400, 422)
