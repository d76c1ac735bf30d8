"""The main screens in Chinese carry no English word: every label, heading, task, field, option, deadline,
department, category and timeline entry is Chinese. What people typed (party names, addresses, usernames),
codes shown as codes (<code>) and a few names that are written the same in Chinese (BPMN, PDF ...) are left out."""
from __future__ import annotations

import re
from datetime import date

import pytest

from tests.web.conftest import DEMO, PHONE, Server, sign_in

pytestmark = [pytest.mark.web, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_only(tmp_path_factory, chromium):
    """A server of its own with the demo and the bundled procedures only: procedures other tests deploy
    (written in English on purpose) never show on these pages."""
    running = Server(tmp_path_factory.mktemp("chinese-pages"))
    running.start()
    yield running
    running.stop()


@pytest.fixture
def open_zh(chromium, demo_only):
    contexts = []

    def new(phone: bool = False):
        options = PHONE if phone else {"viewport": {"width": 1280, "height": 900}}
        context = chromium.new_context(locale="zh-CN", base_url=demo_only.url, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()
    yield new
    for context in contexts:
        context.close()

ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[-'][A-Za-z]+)*")
KEPT = {"BPMN", "DMN", "PDF", "JSON", "sha", "Ed", "GB", "CNY", "KiB", "MiB", "Camunda", "Modeler", "Dueflow",
        "English"}  # names of things, units, the language switch
VISIBLE_TEXT = """() => {
  const skip = el => el.closest('code, script, style, [hidden], .djs-container, .bjs-powered-by');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = [];
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || skip(el) || !el.getClientRects().length) continue;
    out.push(node.textContent);
  }
  for (const el of document.querySelectorAll('[placeholder], [aria-label], [title], img[alt]')) {
    if (skip(el)) continue;
    for (const name of ['placeholder', 'aria-label', 'title', 'alt'])
      if (el.getAttribute(name)) out.push(el.getAttribute(name));
  }
  out.push(document.title);
  return out.join('\\n');
}"""


def english_words(page, typed: set[str]) -> list[str]:
    text = page.evaluate(VISIBLE_TEXT)
    for value in sorted(typed, key=len, reverse=True):
        text = text.replace(value, " ")
    return sorted({w for w in ENGLISH.findall(text) if w not in KEPT})


def _typed(server) -> set[str]:
    """What people typed into the demo's cases (party names, addresses, case numbers, notes) and the usernames."""
    with server.api(DEMO["admin"]) as client:
        items = client.get("/api/cases", params={"limit": 200}).json()["items"]
    typed = set(DEMO.values()) | {f"Demo {role.replace('_', ' ')}" for role in DEMO}  # the demo's display names
    for case in items:
        typed.update(str(case[k]) for k in ("case_no", "party_name", "address", "grid_cell") if case.get(k))
    return typed


def test_the_officers_main_screens_in_chinese_have_no_english_word(open_zh, demo_only):
    server = demo_only
    opened = server.open_case("ordinary_procedure", "王记茶馆", category="noise")
    case = server.complete(opened, {"facts": "午夜后播放音乐", "legal_basis": "噪声污染防治法第六十五条",
                                    "filed_on": date.today().isoformat()})
    typed = _typed(server) | {"午夜后播放音乐"}
    page = open_zh()
    sign_in(page, DEMO["officer"])
    found = {}
    for url in ("/work", "/cases", f"/cases/{case['id']}", f"/tasks/{case['ready_tasks'][0]['id']}", "/cases/new"):
        page.goto(url)
        words = english_words(page, typed)
        if words:
            found[url] = words
    assert not found, f"English on the Chinese pages: {found}"


def _visit(page, urls, typed) -> dict[str, list[str]]:
    found = {}
    for url in urls:
        page.goto(url)
        words = english_words(page, typed)
        if words:
            found[url] = words
    return found


def test_the_party_auditor_and_admin_screens_in_chinese_have_no_english_word(open_zh, demo_only):
    server = demo_only
    opened = server.open_case("ordinary_procedure", "李记面馆", category="street_vending")
    case = server.complete(opened, {"facts": "占用人行道经营", "legal_basis": "城市市容和环境卫生管理条例第十四条",
                                    "filed_on": date.today().isoformat()})
    typed = _typed(server) | {"占用人行道经营"}

    party = open_zh(phone=True)
    party.goto("/party")
    found = _visit(party, ["/party"], typed)
    party.fill("#case_no", case["case_no"])
    party.fill("#code", opened["access_code"])
    party.click("form[action='/party/login'] button")
    found.update(_visit(party, ["/party/case"], typed))

    auditor = open_zh()
    sign_in(auditor, DEMO["auditor"])
    found.update(_visit(auditor, ["/audit", f"/audit/cases/{case['id']}", "/audit/verify"], typed))

    admin = open_zh()
    sign_in(admin, DEMO["admin"])
    found.update(_visit(admin, ["/admin/procedures", "/admin/users", "/admin/incidents", "/admin/migrations"], typed))
    assert not found, f"English on the Chinese pages: {found}"
