from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from xinyong.api.deps import CatalogueDep

router = APIRouter(prefix="/v1/catalogue", tags=["catalogue"])


@router.get("/kinds")
def kinds(cat: CatalogueDep) -> dict[str, Any]:
    """Record kinds with their legal basis, visibility and publicity rule."""
    items = [k.model_dump(mode="json") for k in cat.kinds.values()]
    return {"items": items, "next": None}


@router.get("/kinds/{kind_id}")
def kind(kind_id: str, cat: CatalogueDep) -> dict[str, Any]:
    return cat.kind(kind_id).model_dump(mode="json")
