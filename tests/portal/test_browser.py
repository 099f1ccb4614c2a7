"""The portal in a real browser: Debian's Chromium driven by Playwright against the app
served by uvicorn on loopback (both engines). Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright
from tests.portal.conftest import LISTED_ORG, build_portal_store

from xinyong.api.app import create_app
from xinyong.portal.certificates import verify_file
from xinyong.store.context import Store

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "portal"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.xdist_group("browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(store: Store, tmp_path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    keys = build_portal_store(store, tmp_path, debtors=55)
    from xinyong.portal.search import build_index

    build_index(store)
    app = create_app(store.url)
    app.state.store = store
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.time() + 15
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", keys
    server.should_exit = True
    t.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (scripts/test installs it)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def _shot(page: Page, name: str, engine: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{engine}-{name}.png"), full_page=True)


def _axe(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_a_new_user_finds_understands_and_contests(
    served: tuple[str, dict[str, Any]], browser: Browser, engine: str
) -> None:
    base, keys = served
    ctx = browser.new_context(accept_downloads=True, locale="zh-CN")
    page = ctx.new_page()
    external: list[str] = []
    page.on(
        "request",
        lambda r: (
            external.append(r.url)
            if not r.url.startswith(base) and not r.url.startswith("data:")
            else None
        ),
    )

    # search in Chinese (2 characters), pinyin and Latin-free USCC; open the entity
    page.goto(base + "/")
    page.get_by_label("企业名称、拼音、统一社会信用代码或法定代表人").fill("华为")
    page.get_by_role("button", name="查询").first.click()
    page.wait_for_url("**/search?q=*")
    assert page.get_by_role("link", name="荣成市华为海洋渔业有限公司").is_visible()
    _shot(page, "search-cjk", engine)
    page.goto(base + "/search?q=huawei")
    assert page.get_by_role("link", name="荣成市华为海洋渔业有限公司").is_visible()
    page.goto(base + "/search?q=" + LISTED_ORG)
    page.get_by_role("link", name="荣成市华为海洋渔业有限公司").click()
    page.wait_for_url("**/entity/*")
    assert (
        page.get_by_role("heading", level=1).inner_text().startswith("荣成市华为海洋渔业有限公司")
    )
    _shot(page, "entity", engine)

    # a one-character query gets a message, not a scan
    page.goto(base + "/search?q=华")
    assert "至少输入两个字符" in page.locator("#results").inner_text()

    # page through a list, then switch language
    page.goto(base + "/lists/court_dishonest_debtors")
    first = page.locator("#entries tbody tr").count()
    assert first == 50
    page.get_by_role("link", name="下一页").click()
    assert page.locator("#entries tbody tr").count() == 5
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Statistics").is_visible()
    _shot(page, "list-en", engine)

    # download and verify a certificate of the entity page
    page.goto(base + f"/entity/uscc/{LISTED_ORG}")
    with page.expect_download() as dl:
        page.get_by_role("link", name="Download a signed certificate of this page").click()
    cert = Path(dl.value.path())
    assert verify_file(cert) == (True, "ok")
    assert json.loads(cert.read_text(encoding="utf-8"))["path"].startswith("/entity/")

    # the subject signs in and objects to its penalty
    page.goto(base + "/signin")
    page.get_by_label("Key").fill(keys["subject"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/me")
    page.get_by_text("Object", exact=True).first.click()
    page.get_by_label("What is wrong").first.fill("罚款金额有误")
    page.get_by_role("button", name="Submit objection").first.click()
    page.wait_for_url("**/me?done=objection*")
    assert "objection" in page.locator("#cases").inner_text()
    _shot(page, "me-objection", engine)
    page.goto(base + f"/entity/uscc/{LISTED_ORG}")
    assert page.locator(".badge-under_objection").first.is_visible()
    assert external == [], f"the portal made external requests: {external[:3]}"
    ctx.close()


def test_every_template_passes_axe(
    served: tuple[str, dict[str, Any]], browser: Browser, engine: str
) -> None:
    base, keys = served
    ctx = browser.new_context(locale="zh-CN")
    page = ctx.new_page()
    paths = [
        "/",
        "/search?q=华为",
        "/search?q=华",
        f"/entity/uscc/{LISTED_ORG}",
        "/lists",
        "/lists/court_dishonest_debtors",
        "/stats",
        "/nowhere",
        "/signin",
        "/?lang=en",
    ]
    problems: dict[str, list[str]] = {}
    for p in paths:
        page.goto(base + p)
        bad = _axe(page)
        if bad:
            problems[p] = [f"{v['id']}: {v['help']}" for v in bad]
    page.goto(base + "/signin")
    page.get_by_label("Key").fill(keys["subject"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/me")
    bad = _axe(page)
    if bad:
        problems["/me"] = [f"{v['id']}: {v['help']}" for v in bad]
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() in (
        "Skip to content",
        "跳到正文",
    )
    assert not problems, problems
    ctx.close()
