"""The report rendered (HTML, PDF with its text extracted), over HTTP and on the command line."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from tests.reporting.lenderfeeds import (
    BANK,
    BANK_USCC,
    TODAY,
    account_rows,
    months,
    register,
    write,
)
from tests.support.feeds import person_ric
from typer.testing import CliRunner

from xinyong.api.app import create_app
from xinyong.catalogue import get_catalogue
from xinyong.cli.main import app as cli_app
from xinyong.identity import mask_ric
from xinyong.reporting.ingest import FeedRequest, ingest_feed
from xinyong.reporting.queries import obtain_report
from xinyong.reporting.render import NO_FONT_BANNER, find_font, render_html, render_pdf
from xinyong.rights.access import issue_subject_key
from xinyong.store.actors import create_key, get_principal
from xinyong.store.context import Store

RIC = person_ric(3)
NAME = "李雪梅"


def _feed(tmp: Path) -> Path:
    statuses = dict(
        zip(months("2025-01", 8), ["N", "N", "1", "2", "N", "N", "N", "N"], strict=True)
    )
    return write(
        tmp / "f.csv",
        account_rows(
            "K1",
            RIC,
            NAME,
            statuses,
            account_kind="credit_card",
            amount_fen="2000000",
            opened_on="2024-11-02",
        ),
    )


@pytest.fixture
def report(store: Store, tmp_path: Path):  # type: ignore[no-untyped-def]
    register(store)
    ingest_feed(store, FeedRequest(path=_feed(tmp_path), lender=BANK, today=TODAY))
    from xinyong.credit_file.assemble import find_subject

    with store.read() as conn:
        sid = find_subject(conn, RIC)
        admin = get_principal(conn, "admin")
    assert admin is not None
    return obtain_report(
        store, get_catalogue(), admin, sid, purpose=None, channel="cli", self_query=True, on=TODAY
    )


def test_html_has_the_eight_parts_and_masks_the_id(report) -> None:  # type: ignore[no-untyped-def]
    html = render_html(report)
    for part in (
        "基本信息",
        "信息概要",
        "信贷交易信息明细",
        "非信贷交易信息",
        "公共信息明细",
        "本人声明",
        "异议标注",
        "查询记录",
    ):
        assert part in html
    assert mask_ric(RIC) in html and RIC not in html
    assert NAME in html and "<script" not in html


def test_pdf_is_a_pdf_whose_text_carries_the_masked_id_and_name(report) -> None:  # type: ignore[no-untyped-def]
    if find_font() is None:
        pytest.skip("no CJK font installed (fonts-wqy-microhei)")
    data = render_pdf(report)
    assert data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert mask_ric(RIC) in text and NAME in text and "个人信用报告" in text
    assert RIC not in text


def test_pdf_without_a_cjk_font_says_so(report) -> None:  # type: ignore[no-untyped-def]
    data = render_pdf(report, font=None)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "NO CJK FONT FOUND" in text and NO_FONT_BANNER[:20] in text
    assert mask_ric(RIC) in text  # digits survive


def test_api_lender_403_without_consent_then_200_and_the_subject_sees_the_query(
    store: Store, tmp_path: Path
) -> None:
    register(store)
    with store.write() as tx:
        bank_key = create_key(tx, BANK)[1]
    app = create_app(store.url)
    app.state.store = store
    client = TestClient(app, raise_server_exceptions=False)
    bank = {"Authorization": f"Bearer {bank_key}"}
    # the bank uploads its feed; one bad row more is quarantined
    body = _feed(
        tmp_path
    ).read_bytes() + b"X9,ric,%s,%s,loan,CNY,2025-01-01,,1,2025-02,4,,,\r\n" % (
        RIC.encode(),
        NAME.encode(),
    )
    r = client.post("/v1/reports/feeds", content=body, headers=bank | {"Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    assert (r.json()["accepted"], r.json()["reasons"]) == (8, {"no_prior_notice": 1})
    q = client.get(f"/v1/reports/feeds/{r.json()['batch_id']}/quarantine", headers=bank)
    assert [x["reason"] for x in q.json()] == ["no_prior_notice"]
    wrong = client.post(
        "/v1/reports/feeds", content=b"x", headers=bank | {"Content-Type": "image/png"}
    )
    assert wrong.status_code == 415
    with store.write() as tx:
        _, _, subject_key = issue_subject_key(tx, RIC, verified_by="counter")
    assert (
        client.post(
            "/v1/reports/feeds",
            content=body,
            headers={"Authorization": f"Bearer {subject_key}", "Content-Type": "text/csv"},
        ).status_code
        == 403
    )
    me = {"Authorization": f"Bearer {subject_key}"}
    body = {"subject": RIC, "purpose": "loan_approval"}
    r = client.post("/v1/reports/query", json=body, headers=bank)
    assert r.status_code == 403 and r.json()["error"]["code"] == "no_consent"
    assert client.post("/v1/reports/query", json=body).status_code == 401
    until = (TODAY + timedelta(days=400)).isoformat()
    r = client.post(
        "/v1/reports/me/consents",
        headers=me,
        json={"lender": BANK, "purpose": "loan_approval", "valid_until": until},
    )
    assert r.status_code == 201, r.text
    consent_id = r.json()["consent_id"]
    r = client.post("/v1/reports/query", json=body, headers=bank)
    assert r.status_code == 200, r.text
    assert r.json()["header"]["audience"] == "third_party"
    r = client.post("/v1/reports/query", json=body | {"format": "pdf"}, headers=bank)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    r = client.post(f"/v1/reports/me/consents/{consent_id}/revocation", headers=me)
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert client.post("/v1/reports/query", json=body, headers=bank).status_code == 403
    mine = client.get("/v1/reports/me", headers=me)
    assert mine.status_code == 200
    records = mine.json()["query_records"]
    assert [q["kind"] for q in records] == ["self", "third_party", "third_party"]
    assert client.get("/v1/reports/me?format=html", headers=me).text.startswith("<!doctype html>")
    log = client.get("/v1/me/queries", headers=me).json()
    assert {e["purpose"] for e in log} == {"loan_approval", "self"}
    # the subject disputes a month and adds a statement; the lender answers
    account = mine.json()["credit_transactions"][0]["account_id"]
    r = client.post(
        "/v1/reports/me/disputes",
        headers=me,
        json={"account_id": account, "month": "2025-04", "reason": "paid"},
    )
    assert r.status_code == 201 and r.json()["kind"] == "dispute"
    assert (
        client.post(
            "/v1/reports/me/disputes",
            headers=me,
            json={"account_id": account, "month": "2025-4", "reason": "x"},
        ).status_code
        == 400
    )
    assert (
        client.post("/v1/reports/me/statements", headers=me, json={"text": "说明"}).status_code
        == 201
    )
    r = client.post(
        f"/v1/reports/disputes/{r.json()['case_id']}/answer",
        headers=bank,
        json={"outcome": "upheld", "reason": "checked"},
    )
    assert r.status_code == 403  # the bank's own key holds no reviewer role


def test_cli_exit_codes_and_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xinyong.settings import get_settings
    from xinyong.store.engine import dispose_all

    monkeypatch.setenv("XINYONG_SIGNING_KEY_PATH", str(tmp_path / "k.key"))
    get_settings.cache_clear()
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        r = runner.invoke(cli_app, [*args, "--db", db], catch_exceptions=False)
        assert r.exit_code == code, (args, r.exit_code, r.output)
        return r.output

    run("db", "upgrade")
    run("lenders", "add", BANK, "--name", "测试银行", "--uscc", BANK_USCC)
    run("lenders", "add", "bad lender", "--name", "x", "--uscc", BANK_USCC, code=2)
    out = json.loads(
        run(
            "reporting",
            "ingest",
            str(_feed(tmp_path)),
            "--lender",
            BANK,
            "--on",
            TODAY.isoformat(),
            "--json",
        )
    )
    assert out["accepted"] == 8
    run("reporting", "ingest", str(tmp_path / "missing.csv"), "--lender", BANK, code=1)
    run("report", "show", RIC, "--as", BANK, "--purpose", "loan_approval", code=3)
    run(
        "consent",
        "grant",
        RIC,
        "--to",
        BANK,
        "--purpose",
        "loan_approval",
        "--until",
        "2099-01-01",
        "--evidence",
        "form",
        code=3,
    )
    until = (TODAY + timedelta(days=300)).isoformat()
    run(
        "consent",
        "grant",
        RIC,
        "--to",
        BANK,
        "--purpose",
        "loan_approval",
        "--until",
        until,
        "--evidence",
        "form 9",
    )
    rep = json.loads(
        run("report", "show", RIC, "--as", BANK, "--purpose", "loan_approval", "--json")
    )
    assert rep["header"]["purpose"] == "loan_approval"
    consent = json.loads(run("consent", "list", RIC, "--json"))[0]["consent_id"]
    run("consent", "revoke", consent)
    run("report", "show", RIC, "--as", BANK, "--purpose", "loan_approval", code=3)
    pdf = tmp_path / "r.pdf"
    run("report", "show", RIC, "--self", "--format", "pdf", "--out", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    run("report", "show", RIC, "--self", "--format", "pdf", code=2)
    run("report", "statement", RIC, "--text", "我的说明")
    account = rep["credit_transactions"][0]["account_id"]
    run("report", "dispute", account, "--month", "2025-03", "--reason", "wrong")
    queries = json.loads(run("report", "queries", RIC, "--json"))
    assert [q["kind"] for q in queries] == ["third_party", "self"]
    run("report", "show", "not-a-subject", "--self", code=4)
    dispose_all()
    get_settings.cache_clear()
