"""Typed dependencies: the store, the catalogue and the caller's principal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from xinyong.actors import Principal, Role
from xinyong.catalogue import Catalogue, get_catalogue
from xinyong.errors import Forbidden, Unauthorized
from xinyong.store.actors import authenticate
from xinyong.store.context import Store


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def catalogue() -> Catalogue:
    return get_catalogue()


def _token(authorization: str | None, x_api_key: str | None) -> str | None:
    if x_api_key:
        return x_api_key.strip()
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("use 'Authorization: Bearer <key>'")
        return value.strip()
    return None


def optional_principal(
    store: Annotated[Store, Depends(get_store)],
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Principal | None:
    token = _token(authorization, x_api_key)
    if token is None:
        return None
    with store.read() as conn:
        return authenticate(conn, token)


def principal(p: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if p is None:
        raise Unauthorized("this endpoint needs an API key (Authorization: Bearer <key>)")
    return p


@dataclass(frozen=True)
class Caller:
    """The store, the catalogue and the authenticated principal of one request."""

    store: Store
    catalogue: Catalogue
    principal: Principal


def caller(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Caller:
    """``get_store``, ``catalogue`` and ``principal`` as one dependency, same checks in
    the same order: FastAPI runs every sync dependency in its thread pool, and those
    hops were much of a check's cost over a trivial endpoint (benchmarks/README.md)."""
    store = get_store(request)
    return Caller(
        store, catalogue(), principal(optional_principal(store, authorization, x_api_key))
    )


def require(role: Role) -> object:
    def dep(p: Annotated[Principal, Depends(principal)]) -> Principal:
        if not p.has(role):
            raise Forbidden(f"this endpoint needs the role {role.value!r}")
        return p

    return Depends(dep)


StoreDep = Annotated[Store, Depends(get_store)]
CatalogueDep = Annotated[Catalogue, Depends(catalogue)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
PrincipalDep = Annotated[Principal, Depends(principal)]
CallerDep = Annotated[Caller, Depends(caller)]
