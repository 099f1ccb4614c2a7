"""The credit report resource: one pydantic model for the API, the CLI ``--json``, the HTML
and the PDF. A person's report has the 8 parts of the PBoC's second-generation report;
a company's report has the same parts without the score."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

PLUMBING_NOTE = (
    "The platform's own score, fitted on synthetic data: its accuracy there shows only that "
    "the plumbing works. It is not the PBoC's score (whose model and range are not public)."
)
NON_CREDIT_NOTE = (
    "No utility, telecom or other non-credit transactions are reported to this platform."
)
PUBLIC_INFO_NOTE = (
    "Published public credit information (公共信用信息) from the platform's public records, "
    "shown as the public sees it. It is kept apart from the financial data above and is "
    "never used for the score."
)


class ReportHeader(BaseModel):
    report_id: str = Field(description="the query's id: one report per query")
    generated_at: datetime
    on: date = Field(description="the day (CST) the report describes")
    subject_kind: str
    audience: str = Field(description="self | third_party | staff")
    requested_by: str = Field(description="the querying organisation")
    purpose: str
    chargeable: bool = False
    fee_fen: int = 0


class IdentifierLine(BaseModel):
    scheme: str
    value: str = Field(description="masked (resident IDs and passports); USCCs are public")


class BasicInfo(BaseModel):
    subject_id: str
    name: str
    identifiers: list[IdentifierLine]
    region: str | None = None


class ReasonLine(BaseModel):
    characteristic: str
    description: str
    points_lost: float


class ScoreView(BaseModel):
    score: float
    card_version: int
    range: tuple[float, float] | None = None
    reasons: list[ReasonLine] = Field(description="up to 4 key factors, plus inquiries")
    note: str = PLUMBING_NOTE


class Summary(BaseModel):
    accounts: int
    open_accounts: int
    by_kind: dict[str, int]
    credit_limit_fen: int = Field(description="revolving and card limits of open accounts")
    balance_fen: int = Field(description="latest reported balances of open accounts")
    utilisation: float | None = Field(None, description="revolving balance / limit")
    accounts_overdue_now: int
    accounts_ever_overdue: int = Field(description="within the retained (5-year) information")
    worst_status_24m: str
    guaranteed_fen: int = Field(description="amounts the subject guarantees for others")
    score: ScoreView | None = Field(None, description="persons only: the platform's score")


class MonthLine(BaseModel):
    month: str
    status: str
    balance_fen: int | None = None
    overdue_fen: int | None = None
    under_dispute: bool = False
    corrected: bool = False


class AccountView(BaseModel):
    account_id: str
    lender: str = Field(description="for third parties, other lenders are not named")
    account_no: str = Field(description="masked but for the last 4 characters")
    kind: str
    currency: str
    opened_on: date
    closed_on: date | None = None
    amount_fen: int
    balance_fen: int | None = None
    current_status: str | None = None
    worst_status_60m: str
    months: list[MonthLine] = Field(
        description="every retained month, newest first (negative months leave 5 years after "
        "the conduct ends; positive history stays)"
    )
    dropped_negative_months: int = Field(
        0, description="negative months past the 5-year retention, no longer shown"
    )
    under_dispute: bool = False


class PublicRecordLine(BaseModel):
    record_id: str
    kind: str
    kind_name_zh: str
    kind_name_en: str
    decided_on: date | None = None
    deciding_authority: str | None = None
    decision_no: str | None = None
    amount_fen: int | None = None
    display_until: date | None = None


class PublicInformation(BaseModel):
    records: list[PublicRecordLine]
    note: str = PUBLIC_INFO_NOTE


class StatementLine(BaseModel):
    statement_id: str
    account_id: str | None = None
    text: str
    added_on: date


class AnnotationLine(BaseModel):
    case_id: str
    account_id: str
    month: str | None = None
    state: str = Field(description="under_dispute | corrected | upheld | withdrawn")
    opened_on: date
    due_on: date
    decided_on: date | None = None
    text: str = Field(description="the objection, or the decision's answer")


class QueryLine(BaseModel):
    on: date
    organisation: str
    purpose: str
    kind: str


class CreditReport(BaseModel):
    header: ReportHeader
    basic: BasicInfo
    summary: Summary
    credit_transactions: list[AccountView] = Field(description="loans, revolving and cards")
    repayment_responsibilities: list[AccountView] = Field(
        description="guarantees the subject gave (part of the credit transactions)"
    )
    non_credit_transactions: list[dict[str, str]] = Field(default_factory=list)
    non_credit_note: str = NON_CREDIT_NOTE
    public_information: PublicInformation
    statements: list[StatementLine]
    annotations: list[AnnotationLine]
    query_records: list[QueryLine] = Field(description="the last 2 years, newest first")
