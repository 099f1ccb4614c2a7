"""Builders for small agency feeds in the national standard formats, for tests."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

from xinyong.actors import Agency
from xinyong.identity import make_ric, make_uscc
from xinyong.ingest.mapping import load_mapping
from xinyong.store.actors import add_agency
from xinyong.store.context import Store

# agencies used across tests (USCCs of state organs start 11)
SAMR_USCC = make_uscc("11371082MB0000001")
ENV_USCC = make_uscc("11371082MB0000002")
COURT_USCC = make_uscc("11371082MB0000003")
TAX_USCC = make_uscc("11371082MB0000004")
PSB_USCC = make_uscc("11371082MB0000005")


def org_uscc(n: int, prefix: str = "91") -> str:
    return make_uscc(f"{prefix}371082{n:08d}X"[:17])


def person_ric(n: int, born: date = date(1980, 5, 17), region: str = "371082") -> str:
    return make_ric(region, born, 100 + n)


def register_agencies(store: Store) -> None:
    agencies = [
        Agency(
            code="rc-samr",
            name_zh="荣成市市场监督管理局",
            uscc=SAMR_USCC,
            sector="market_regulation",
            kinds=(
                "registration",
                "administrative_penalty",
                "administrative_licence",
                "abnormal_operations",
                "serious_illegal_dishonest",
            ),
        ),
        Agency(
            code="rc-env",
            name_zh="威海市生态环境局荣成分局",
            uscc=ENV_USCC,
            sector="ecology_environment",
            kinds=("administrative_penalty",),
        ),
        Agency(
            code="rc-court",
            name_zh="荣成市人民法院",
            uscc=COURT_USCC,
            sector="court",
            kinds=("court_dishonest_listing", "consumption_restriction"),
        ),
        Agency(
            code="rc-tax",
            name_zh="国家税务总局荣成市税务局",
            uscc=TAX_USCC,
            sector="tax",
            kinds=("tax_credit_grade", "administrative_penalty"),
        ),
        Agency(
            code="rc-psb",
            name_zh="荣成市公安局",
            uscc=PSB_USCC,
            sector="public_security",
            kinds=("residence",),
        ),
    ]
    with store.write() as tx:
        for a in agencies:
            add_agency(tx, a)


def headers(mapping: str) -> list[str]:
    return list(load_mapping(mapping).columns)


def penalty_row(**over: Any) -> dict[str, str]:
    """One good national-standard penalty row about an organisation, with overrides."""
    row = {
        "行政相对人名称": "荣成市海润水产有限公司",
        "行政相对人类别": "法人及非法人组织",
        "统一社会信用代码": org_uscc(1),
        "法定代表人": "王海",
        "法定代表人证件类型": "身份证",
        "法定代表人证件号码": person_ric(1),
        "行政处罚决定书文号": "荣市监罚〔2026〕1号",
        "违法行为类型": "销售不合格产品",
        "违法事实": "销售不合格的冷冻水产品",
        "处罚依据": "《中华人民共和国产品质量法》第四十九条",
        "处罚类别": "罚款",
        "处罚内容": "罚款人民币五万元",
        "罚款金额（万元）": "5",
        "处罚决定日期": "2026-03-09",
        "处罚机关": "荣成市市场监督管理局",
        "处罚机关统一社会信用代码": SAMR_USCC,
        "数据来源单位": "荣成市市场监督管理局",
        "数据来源单位统一社会信用代码": SAMR_USCC,
    }
    row.update({k: v for k, v in over.items()})
    return row


def write_csv(
    path: Path, mapping: str, rows: list[dict[str, str]], encoding: str = "utf-8"
) -> Path:
    cols = headers(mapping)
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow([r.get(c, "") for c in cols])
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def court_row(n: int, **over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "kind": "court_dishonest_listing",
        "source_key": f"(2026)鲁1082执{n}号",
        "subject_category": "person",
        "subject_name": "李四",
        "id_type": "ric",
        "id_number": person_ric(n, date(1985, 1, 1)),
        "decision_no": f"(2026)鲁1082执{n}号",
        "decided_on": "2026-02-01",
        "deciding_authority": "荣成市人民法院",
        "grounds": "1",
        "case_no": f"(2026)鲁1082执{n}号",
    }
    row.update(over)
    return row
