"""A store with agencies, a listed company and listed persons, and a portal client on it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.support.feeds import court_row, org_uscc, penalty_row, register_agencies, write_csv

from xinyong.actors import Principal, Role
from xinyong.api.app import create_app
from xinyong.catalogue import get_catalogue
from xinyong.ingest.pipeline import IngestRequest, ingest
from xinyong.lists.proposals import sync
from xinyong.rights.access import issue_subject_key
from xinyong.store.actors import add_principal, create_key
from xinyong.store.context import Store

TODAY = date(2026, 11, 27)
LISTED_ORG = org_uscc(21)
EVIL = "<script>alert('x')</script>有限公司"


def build_portal_store(store: Store, tmp: Path, *, debtors: int = 3) -> dict[str, Any]:
    register_agencies(store)
    with store.write() as tx:
        add_principal(
            tx,
            Principal(
                principal_id="samr-rev",
                display_name="审核员",
                organisation="rc-samr",
                roles=frozenset({Role.REVIEWER}),
            ),
        )
        reviewer_key = create_key(tx, "samr-rev")[1]
    rows = [
        penalty_row(
            **{
                "统一社会信用代码": LISTED_ORG,
                "行政相对人名称": "荣成市华为海洋渔业有限公司",
                "处罚类别": "罚款;吊销营业执照",
                "行政处罚决定书文号": "荣市监罚〔2026〕21号",
            }
        ),
        penalty_row(
            **{
                "统一社会信用代码": org_uscc(22),
                "行政相对人名称": EVIL,
                "行政处罚决定书文号": "荣市监罚〔2026〕22号",
            }
        ),
    ]
    ingest(
        store,
        IngestRequest(
            path=write_csv(tmp / "p.csv", "penalty_national", rows), agency="rc-samr", today=TODAY
        ),
    )
    court = tmp / "c.jsonl"
    court.write_text(
        "\n".join(
            json.dumps(court_row(n, grounds="1", subject_name=f"张{n}号"), ensure_ascii=False)
            for n in range(1, debtors + 1)
        )
        + "\n",
        encoding="utf-8",
    )
    ingest(store, IngestRequest(path=court, agency="rc-court", mapping="canonical_en", today=TODAY))
    with store.write() as tx:
        sync(tx, get_catalogue(), on=TODAY)
        subject_key = issue_subject_key(tx, LISTED_ORG, verified_by="test")[2]
    return {"reviewer": reviewer_key, "subject": subject_key}


@pytest.fixture
def portal(store: Store, tmp_path: Path) -> tuple[TestClient, dict[str, Any]]:
    keys = build_portal_store(store, tmp_path)
    app = create_app(store.url)
    app.state.store = store
    return TestClient(app, raise_server_exceptions=False), keys
