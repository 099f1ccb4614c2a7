from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from xinyong.api.deps import CatalogueDep, StoreDep

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz(store: StoreDep, cat: CatalogueDep) -> dict[str, object]:
    """Liveness and readiness: the store answers and the catalogue is loaded."""
    with store.read() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "catalogue": cat.version, "engine": store.engine.dialect.name}
