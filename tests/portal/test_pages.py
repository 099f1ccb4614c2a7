"""Portal pages server-side: JSON twins, masking, escaping, language, certificates,
signed-in forms with CSRF, keyset pagination and downloads (both engines)."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from fastapi.testclient import TestClient
from tests.portal.conftest import LISTED_ORG, build_portal_store
from tests.support.feeds import org_uscc, person_ric

from xinyong.portal.certificates import verify
from xinyong.portal.i18n import catalogue
from xinyong.store.context import Store

Portal = tuple[TestClient, dict[str, Any]]


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF token in the form"
    return m.group(1)


def test_pages_have_json_twins_with_the_same_data(portal: Portal) -> None:
    client, _ = portal
    entity = client.get(f"/entity/uscc/{LISTED_ORG}.json").json()
    html = client.get(f"/entity/uscc/{LISTED_ORG}").text
    assert entity["file"]["name"] in html
    sid = entity["file"]["subject_id"]
    assert client.get(f"/entity/{sid}.json").json()["file"]["subject_id"] == sid
    lst = client.get("/lists/court_dishonest_debtors.json").json()
    assert len(lst["rows"]) == 3
    page = client.get("/lists/court_dishonest_debtors").text
    for row in lst["rows"]:
        assert row["entry_id"] and row["name"] in page
    home = client.get("/index.json").json()
    assert {x["id"] for x in home["lists"]} >= {"court_dishonest_debtors", "red_tax_a"}
    assert client.get("/stats.json").json()["series"][0]["rows"]


def test_persons_are_masked_and_ids_never_in_urls(portal: Portal) -> None:
    client, _ = portal
    ric = person_ric(1, date(1985, 1, 1))
    page = client.get("/lists/court_dishonest_debtors").text
    assert ric not in page and ric[:10] + "****" + ric[14:] in page
    r = client.get("/search", params={"q": ric})
    assert (r.status_code == 400 and "POST" in r.text) or "URL" in r.text


def test_user_input_is_rendered_inert(portal: Portal) -> None:
    client, _ = portal
    html = client.get(f"/entity/uscc/{org_uscc(22)}").text
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    r = client.get(
        "/lists/court_dishonest_debtors", params={"region": "<img src=x onerror=alert(1)>"}
    )
    assert r.status_code == 400 and "<img src=x" not in r.text
    assert (
        client.get(
            "/lists/court_dishonest_debtors", params={"after": "'; DROP TABLE list_entries;--"}
        ).status_code
        == 400
    )
    assert client.get("/lists/court_dishonest_debtors.json").status_code == 200


def test_unknown_pages_are_404_pages_with_search(portal: Portal) -> None:
    client, _ = portal
    for path in (
        "/entity/01AAAAAAAAAAAAAAAAAAAAAAAA",
        "/entity/nonsense",
        "/lists/no_such_list",
        "/nowhere",
    ):
        r = client.get(path)
        assert r.status_code == 404, path
        assert 'role="search"' in r.text and "text/html" in r.headers["content-type"]
    assert (
        client.get("/entity/01AAAAAAAAAAAAAAAAAAAAAAAA.json").json()["error"]["code"]
        == "unknown_subject"
    )


def test_language_switch_and_catalogue_coverage(portal: Portal) -> None:
    client, _ = portal
    zh = client.get("/lists", headers={"Accept-Language": "zh-CN"}).text
    assert "名单" in zh and 'lang="zh-CN"' in zh
    en = client.get("/lists?lang=en")
    assert 'lang="en"' in en.text and "Black and red lists" in en.text
    assert en.cookies.get("lang") == "en"
    assert 'lang="en"' in client.get("/").text  # the cookie remembers
    used: set[str] = set()
    for tpl in (Path(__file__).parents[2] / "src/xinyong/portal/templates").glob("*.html"):
        used |= set(re.findall(r"""_\(["']([^"']+)["']\)""", tpl.read_text(encoding="utf-8")))
    missing = sorted(used - set(catalogue("zh")))
    assert not missing, f"untranslated: {missing}"


def test_certificate_verifies_and_detects_tampering(portal: Portal, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from xinyong.cli.main import app

    client, _ = portal
    r = client.get("/certificate", params={"path": f"/entity/uscc/{LISTED_ORG}"})
    assert r.status_code == 200
    cert = r.json()
    assert verify(cert) == (True, "ok")
    assert cert["results"]["file"]["name"]
    good = tmp_path / "cert.json"
    good.write_text(r.text, encoding="utf-8")
    assert CliRunner().invoke(app, ["certificate", "verify", str(good)]).exit_code == 0
    cert["results"]["file"]["name"] = "别的公司"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(cert, ensure_ascii=False), encoding="utf-8")
    out = CliRunner().invoke(app, ["certificate", "verify", str(bad)])
    assert out.exit_code == 3 and "changed" in out.output
    assert client.get("/certificate", params={"path": "/stats"}).status_code == 400


def test_signed_in_subject_objects_and_reviewer_decides(portal: Portal, store: Store) -> None:
    client, keys = portal
    form = client.get("/signin").text
    r = client.post("/signin", data={"key": "xy_wrong", "csrf": _csrf(form)})
    assert r.status_code == 401
    assert (
        client.post("/signin", data={"key": keys["subject"], "csrf": "forged"}).status_code == 403
    )
    r = client.post(
        "/signin",
        data={"key": keys["subject"], "csrf": _csrf(client.get("/signin").text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/me"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    me = client.get("/me").text
    assert "荣成市华为海洋渔业有限公司" in me
    record_id = re.search(r'name="target_id" value="([0-9A-Z]{26})"', me)
    assert record_id
    body = {"target_type": "record", "target_id": record_id.group(1), "reason": "金额有误"}
    assert client.post("/me/objections", data={**body, "csrf": "nope"}).status_code == 403
    r = client.post("/me/objections", data={**body, "csrf": _csrf(me)}, follow_redirects=False)
    assert r.status_code == 303 and "objection" in r.headers["location"]
    assert "under objection" in client.get(f"/entity/uscc/{LISTED_ORG}?lang=en").text
    client.post("/signout", data={"csrf": _csrf(client.get("/me").text)})
    assert client.get("/me").status_code == 401

    r = client.post(
        "/signin",
        data={"key": keys["reviewer"], "csrf": _csrf(client.get("/signin").text)},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/review"
    queue = client.get("/review").text
    m = re.search(r'action="/review/proposals/([0-9A-Z]{26})"', queue)
    assert m, "the serious penalty's proposal is in the reviewer's queue"
    r = client.post(
        f"/review/proposals/{m.group(1)}",
        data={"decision": "approve", "reason": "情节严重", "csrf": _csrf(queue)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "samr_serious_illegal" in client.get(f"/entity/uscc/{LISTED_ORG}.json").text


def test_keyset_pagination_and_downloads(store: Store, tmp_path: Path) -> None:
    from xinyong.api.app import create_app

    build_portal_store(store, tmp_path, debtors=55)
    app = create_app(store.url)
    app.state.store = store
    client = TestClient(app)
    first = client.get("/lists/court_dishonest_debtors.json").json()
    assert len(first["rows"]) == 50 and first["next_after"]
    second = client.get(
        "/lists/court_dishonest_debtors.json", params={"after": first["next_after"]}
    ).json()
    assert len(second["rows"]) == 5 and second["next_after"] is None
    assert not {r["entry_id"] for r in first["rows"]} & {r["entry_id"] for r in second["rows"]}
    csv_text = client.get("/lists/court_dishonest_debtors.csv").text
    assert len(csv_text.strip().splitlines()) == 56
    table = pq.read_table(io.BytesIO(client.get("/lists/court_dishonest_debtors.parquet").content))
    assert table.num_rows == 55
    atom = client.get("/lists/court_dishonest_debtors/changes.atom").text
    assert atom.count("<entry>") == 55 and "<feed" in atom
    feed = client.get("/lists/court_dishonest_debtors/changes.json").json()
    assert len(feed["changes"]) == 55 and feed["changes"][0]["event"] == "published"
