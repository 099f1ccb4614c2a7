"""Checking lender feed rows without a store: reasons, Art. 14 and 15, the file's columns."""

from __future__ import annotations

import pytest
from tests.reporting.lenderfeeds import COLUMNS, TODAY, row

from xinyong.errors import UnusableInput
from xinyong.reporting import feed as F


def _parse(r: dict[str, str], extra: tuple[str, ...] = ()) -> F.FeedRow | F.Rejection:
    cols = F.plan_columns([*COLUMNS, *extra])
    return F.parse_row(7, r, cols, TODAY)


def test_a_good_row_parses_to_canonical_values() -> None:
    r = _parse(row(borrower_id="  " + row()["borrower_id"].lower() + " "))
    assert isinstance(r, F.FeedRow)
    assert r.id_scheme == "ric" and r.subject_kind == "person"
    assert r.amount_fen == 10_000_000 and r.status == "N"


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"status": "X"}, F.UNKNOWN_STATUS),
        ({"status": "3"}, F.NO_PRIOR_NOTICE),
        ({"status": "D"}, F.NO_PRIOR_NOTICE),
        ({"month": "2024-13"}, F.INVALID_MONTH),
        ({"month": "2030-01"}, F.MONTH_OUT_OF_RANGE),
        ({"month": "2023-12"}, F.MONTH_OUT_OF_RANGE),
        ({"opened_on": "2024/01/10"}, F.INVALID_DATE),
        ({"opened_on": "2027-01-01"}, F.FUTURE_DATE),
        ({"closed_on": "2023-01-01"}, F.INVALID_DATE),
        ({"amount_fen": "5万"}, F.INVALID_AMOUNT),
        ({"amount_fen": "-5"}, F.INVALID_AMOUNT),
        ({"borrower_id": "371082198005171234"}, F.INVALID_IDENTIFIER),
        ({"borrower_id_type": "uscc"}, F.INVALID_IDENTIFIER),
        ({"account_kind": "mortgage-ish"}, F.UNKNOWN_ACCOUNT_KIND),
        ({"account_no": ""}, F.MISSING_FIELD),
        ({"borrower_name": "\x00"}, F.MALFORMED_ROW),
    ],
)
def test_bad_rows_are_rejected_with_their_reason(over: dict[str, str], reason: str) -> None:
    r = _parse(row(**over))
    assert isinstance(r, F.Rejection), over
    assert r.reason == reason and r.row == 7


def test_negative_status_with_a_prior_notice_passes() -> None:
    r = _parse(row(status="2", notified_on="2024-02-20"))
    assert isinstance(r, F.FeedRow) and r.notified_on is not None


def test_forbidden_items_are_refused_and_redacted() -> None:
    cols = F.plan_columns([*COLUMNS, "血型", "religion"])
    raw = row() | {"血型": "AB", "religion": ""}
    r = F.parse_row(1, raw, cols, TODAY)
    assert isinstance(r, F.Rejection) and r.reason == F.FORBIDDEN_DATA
    kept = F.redact(raw, cols)
    assert kept["血型"] == F.REDACTED and "AB" not in kept.values()
    # an empty forbidden column is no forbidden data
    assert isinstance(F.parse_row(1, row() | {"血型": "", "religion": ""}, cols, TODAY), F.FeedRow)


def test_sensitive_items_are_parsed_for_the_consent_check() -> None:
    r = _parse(row() | {"income_fen": "1200000", "tax_fen": "3000"}, ("income_fen", "tax_fen"))
    assert isinstance(r, F.FeedRow)
    assert r.sensitive == {"income": 1_200_000, "tax": 3000}


def test_unknown_or_missing_columns_refuse_the_file() -> None:
    with pytest.raises(UnusableInput, match="unknown column"):
        F.plan_columns([*COLUMNS, "nickname"])
    with pytest.raises(UnusableInput, match="status"):
        F.plan_columns([c for c in COLUMNS if c != "status"])
