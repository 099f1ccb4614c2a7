"""A small world for notification tests: agencies, records about an organisation and two
persons, the people who act (a subject, agencies, a lender), and a local HTTP receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tests.support.feeds import org_uscc, penalty_row, person_ric, register_agencies, write_csv

from xinyong.actors import Agency, Principal, Role
from xinyong.credit_file.assemble import find_subject
from xinyong.ingest.pipeline import IngestRequest, ingest
from xinyong.ingest.receipt import Receipt
from xinyong.store.actors import add_agency, add_principal, create_key
from xinyong.store.context import Store

TODAY = date(2026, 11, 27)
PERSON = person_ric(9)
WARNED = person_ric(10)
OTHER_PERSON = person_ric(11)
ORG = org_uscc(1)


def person_penalty(ric: str, n: int, **over: str) -> dict[str, str]:
    return penalty_row(
        **{
            "行政相对人类别": "自然人",
            "行政相对人名称": "赵六",
            "统一社会信用代码": "",
            "证件类型": "身份证",
            "证件号码": ric,
            "法定代表人": "",
            "法定代表人证件类型": "",
            "法定代表人证件号码": "",
            "行政处罚决定书文号": f"荣市监罚〔2026〕{n}号",
            **over,
        }
    )


def warning(ric: str, n: int) -> dict[str, str]:
    """A warning to a person: minor, not published, so never held back."""
    return person_penalty(ric, n, 处罚类别="警告", **{"罚款金额（万元）": ""})


def ingest_rows(store: Store, tmp_path: Path, name: str, rows: list[dict[str, str]]) -> Receipt:
    path = write_csv(tmp_path / f"{name}.csv", "penalty_national", rows)
    rep = ingest(store, IngestRequest(path=path, agency="rc-samr", today=TODAY))
    assert rep.quarantined == 0, rep
    return rep


def residence(store: Store, tmp_path: Path, ric: str) -> None:
    path = write_csv(
        tmp_path / "res.csv",
        "subject_registry",
        [
            {
                "记录编号": "HJ-1",
                "主体类别": "自然人",
                "主体名称": "孙七",
                "证件类型": "身份证",
                "证件号码": ric,
                "登记日期": "2001-01-01",
                "登记机关": "荣成市公安局",
                "行政区划代码": "371082",
            }
        ],
    )
    rep = ingest(store, IngestRequest(path=path, agency="rc-psb", today=TODAY))
    assert rep.accepted == 1, rep


@dataclass
class World:
    store: Store
    org: str  # subject ids
    person: str
    other_person: str
    keys: dict[str, str] = field(default_factory=dict)

    def principal(self, pid: str) -> Principal:
        from xinyong.store.actors import get_principal

        with self.store.read() as conn:
            p = get_principal(conn, pid)
        assert p is not None
        return p


@pytest.fixture
def world(store: Store, tmp_path: Path) -> World:
    register_agencies(store)
    ingest_rows(store, tmp_path, "p", [penalty_row(), person_penalty(PERSON, 2)])
    residence(store, tmp_path, OTHER_PERSON)
    with store.read() as conn:
        org, person, other = (find_subject(conn, c) for c in (ORG, PERSON, OTHER_PERSON))
    with store.write() as tx:
        add_agency(
            tx,
            Agency(code="rc-bank", name_zh="荣成农商银行", sector="other", kinds=()),
        )
        for p in (
            Principal(
                principal_id="person-9",
                display_name="赵六",
                organisation="subjects",
                roles=frozenset({Role.SUBJECT}),
                subject_id=person,
            ),
            Principal(
                principal_id="samr-reviewer",
                display_name="reviewer",
                organisation="rc-samr",
                roles=frozenset({Role.REVIEWER}),
            ),
            Principal(
                principal_id="lender-1",
                display_name="lender",
                organisation="some-lender",
                roles=frozenset({Role.LENDER}),
            ),
        ):
            add_principal(tx, p)
        keys = {
            pid: create_key(tx, pid)[1]
            for pid in ("admin", "person-9", "rc-samr", "rc-court", "samr-reviewer", "lender-1")
        }
    return World(store, org, person, other, keys)


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """A webhook receiver on 127.0.0.1 answering ``status`` and recording every request."""

    def __init__(self) -> None:
        self.status = 200
        self.hits: list[Hit] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                receiver.hits.append(
                    Hit(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()
