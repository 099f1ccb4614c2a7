"""Operator settings of credit reporting (environment, prefix ``XINYONG_REPORTING_``).

The regulation gives 2 free self-queries a year (征信业管理条例 Art. 17); what happens to
the third is the operator's choice: ``charge`` marks it chargeable at ``self_query_fee_fen``
(the CRC's 10 yuan is a platform assumption, UNVERIFIED), ``refuse`` refuses it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ReportingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XINYONG_REPORTING_", extra="ignore")

    free_self_queries_per_year: int = Field(2, ge=0)
    over_limit: Literal["charge", "refuse"] = "charge"
    self_query_fee_fen: int = Field(1000, ge=0)
    #: CJK TrueType font for PDF reports (default: search the usual system paths)
    pdf_font: str | None = None


def get_reporting_settings() -> ReportingSettings:
    return ReportingSettings()
