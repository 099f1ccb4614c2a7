"""Principals, roles and agencies: who may do what (CONTRACTS.md, "Actors")."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    ADMIN = "admin"
    AGENCY = "agency"  # reports records
    REVIEWER = "reviewer"
    SUPERVISOR = "supervisor"
    IMPLEMENTING_OFFICER = "implementing_officer"
    INSPECTOR = "inspector"
    LENDER = "lender"
    SUBJECT = "subject"


PLATFORM_ORG = "platform"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    principal_id: str
    display_name: str
    organisation: str
    roles: frozenset[Role]
    subject_id: str | None = None

    def has(self, role: Role) -> bool:
        return role in self.roles or Role.ADMIN in self.roles


class Agency(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name_zh: str
    name_en: str | None = None
    uscc: str | None = None
    sector: str
    kinds: tuple[str, ...]
    # kinds of implementing agency (measures.yaml); empty for a reporting-only agency
    implements: tuple[str, ...] = ()
    # who hears appeals against its decisions (a court's higher court), if registered
    higher_authority: str | None = None
