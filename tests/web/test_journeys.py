"""Journeys in a real browser (Debian's chromium through Playwright) against a real `dueflow serve`:
each asserts what the person would notice on the page. Set-up that is not the journey goes through the API."""
from __future__ import annotations

import hashlib
import re
import sqlite3
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.web.conftest import DEMO, PENALTY, sign_in

pytestmark = [pytest.mark.web, pytest.mark.slow]
TODAY = date.today().isoformat()
INVESTIGATION = {"findings": "Obstruction on the pavement", "inspected_on": TODAY}


def diagram_ready(page):
    page.wait_for_selector(".diagram[data-ready='true']")


def element(page, element_id: str):
    return page.locator(f".djs-element[data-element-id='{element_id}']").first


def submit(page, form: str = "form[action^='/tasks/']"):
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()


def test_an_officer_takes_a_case_from_filing_to_decision(open_page):
    page = open_page("en-US")
    sign_in(page, DEMO["officer"])
    page.click("text=Open a case")
    page.select_option("#procedure", "web_penalty")
    page.fill("#party_name", "Journey Noodle Bar")
    page.check("input[name=party_type][value=organisation]")
    page.fill("#address", "5 Wulumuqi Road")
    page.fill("#category", "street_order")
    page.click("text=File the case")
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", page.inner_text("[data-access-code]").strip())
    page.click("text=Go to the case")

    # the case page: stage, the current step on the diagram, evidence with its sha256
    assert page.inner_text("[data-stage]") == "Investigation"
    diagram_ready(page)
    assert "df-current" in element(page, "investigate").get_attribute("class")
    photo = b"\x89PNG\r\n journey photo of the blocked pavement"
    page.set_input_files("#evidence-file", {"name": "pavement.png", "mimeType": "image/png", "buffer": photo})
    page.fill("#evidence-note", "north side")
    page.click("#evidence button[type=submit]")
    assert hashlib.sha256(photo).hexdigest() in page.inner_text("#evidence")

    # the form from the BPMN: field-level errors first, then the next step
    page.click("text=Open the task")
    page.fill("#f-findings", "bad")
    submit(page)
    assert page.inner_text("#findings-error") == "At least 5 characters."
    assert page.inner_text("#inspected_on-error") == "Required."
    page.fill("#f-findings", INVESTIGATION["findings"])
    page.fill("#f-inspected_on", TODAY)
    page.select_option("#f-severity", "serious")
    page.check("input[name=credentials_shown][value=true]")
    submit(page)
    assert "Completed: Investigate the site." in page.inner_text(".flash")
    assert "Serve the rights notice" in page.inner_text("#next-step")

    page.click("text=Open the task")
    page.fill("#f-proposed_fine", "500")
    page.fill("#f-served_on", TODAY)
    submit(page)
    assert "The case is waiting." in page.inner_text("#next-step")
    assert page.locator("#next-step time.countdown").count() == 1, "the statement period counts down"

    # the party signed a waiver on paper: recorded, the decision is next
    page.select_option("#message", "waiver_received")
    page.fill("#message-note", "waiver signed at the counter")
    page.click("form[action$='/messages'] button[type=submit]")
    assert "Decide the penalty" in page.inner_text("#next-step")

    page.click("text=Open the task")
    page.fill("#f-fine_amount", "800")
    page.fill("#f-reasons", "PL 57: the pavement was blocked")
    submit(page)
    assert "Refused to protect the party's rights." in page.inner_text("[role=alert]")
    assert "exceeds the notified 500" in page.inner_text("[role=alert]")
    page.fill("#f-fine_amount", "500")
    submit(page)
    assert "Order the party to correct" in page.inner_text("#next-step")
    for field in ("#f-correct_by", "#f-decision_served_on"):
        page.click("text=Open the task")
        page.fill(field, TODAY)
        submit(page)
    assert page.inner_text("[data-status]") == "Closed"
    assert "penalty_decided" in page.inner_text("#next-step")
    diagram_ready(page)
    assert "df-done" in element(page, "decide_penalty").get_attribute("class")
    assert "df-done" not in element(page, "statement_arrived").get_attribute("class")
    assert page.errors == []


def test_an_admin_deploys_version_2_in_the_modeler_while_an_old_case_stays_on_version_1(server, open_page):
    key = "web_penalty_modeler"
    server.deploy(f"{key}.bpmn", PENALTY.read_text().replace('id="web_penalty"', f'id="{key}"'))
    old_case = server.open_case(key, "Old Version Tea House")

    page = open_page("zh-CN")
    sign_in(page, DEMO["admin"])
    page.goto("/admin/procedures")
    page.click(f"#procedure-{key} >> text=在建模器中编辑")
    page.wait_for_selector("#canvas[data-ready='true']")

    element(page, "investigate").click()
    expect(page.locator("#bio-properties-panel-id")).to_have_value("investigate")
    assert page.input_value("#bio-properties-panel-name") == "现场调查", "a Chinese admin renames in Chinese"
    page.fill("#bio-properties-panel-name", "现场调查并拍照")
    page.press("#bio-properties-panel-name", "Tab")

    element(page, "decide_penalty").click()
    page.select_option("#bio-properties-panel-dueflow-stage", "")
    page.click("#check")
    page.wait_for_selector("#problems li")
    assert "发现" in page.inner_text("#status")
    assert page.locator("#problems li[data-element='decide_penalty'][data-rule='USER_TASK_WITHOUT_STAGE']").count() == 1
    assert "df-problem" in element(page, "decide_penalty").get_attribute("class")
    page.click("#deploy")
    expect(page.locator("#status")).to_contain_text("未部署")

    element(page, "investigate").click()
    page.click("#problems li[data-element='decide_penalty'] button")  # "show": selects it on the diagram
    expect(page.locator("#bio-properties-panel-id")).to_have_value("decide_penalty")
    page.select_option("#bio-properties-panel-dueflow-stage", "penalty_decision")
    page.click("#check")
    expect(page.locator("#status")).to_contain_text("没有问题")
    assert "df-problem" not in element(page, "decide_penalty").get_attribute("class")
    page.click("#deploy")
    page.wait_for_selector("#status[data-deployed-version='2']")
    assert f"已部署 {key} 第 2 版" in page.inner_text("#status")

    page.goto(f"/admin/procedures#procedure-{key}")
    newest = page.locator(f"#procedure-{key} tr[data-version='2'] .diff-summary").inner_text()
    assert "重命名" in newest and "现场调查并拍照" in newest

    page.goto(f"/cases/{old_case['id']}")
    assert "第 1 版" in page.inner_text("main")
    assert "现场调查" in page.inner_text("#next-step") and "拍照" not in page.inner_text("#next-step")
    new_case = server.open_case(key, "New Version Dumplings")
    page.goto(f"/cases/{new_case['id']}")
    assert "第 2 版" in page.inner_text("main") and "现场调查并拍照" in page.inner_text("#next-step")
    page.goto(f"/lang/en?next=/cases/{new_case['id']}")
    assert "Investigate the site" in page.inner_text("#next-step"), "the English name was not edited"
    assert page.errors == []


def test_an_auditor_finds_an_audit_row_altered_in_the_database(server, open_page):
    case = server.open_case("web_penalty", "Tampered Hardware Store")
    server.complete(case, INVESTIGATION)
    with sqlite3.connect(server.db, timeout=30) as db:  # what someone with database access might do
        db.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        seq = db.execute("SELECT seq FROM audit_event WHERE case_id = ? AND event_type = 'task_completed'",
                         (case["id"],)).fetchone()[0]
        db.execute("UPDATE audit_event SET payload = replace(payload, 'Obstruction', 'Nothing') "
                   "WHERE case_id = ? AND seq = ?", (case["id"], seq))

    page = open_page("en-US")
    sign_in(page, DEMO["auditor"])
    page.click("nav >> text=Verify the log")
    page.click("text=Verify now")
    page.wait_for_selector("[data-verified]")
    report = page.inner_text("#report")
    assert "The log was tampered with." in report
    assert f"{case['case_no']}: Event {seq} (task_completed) was altered after it was written." in report

    page.click(f"#report >> text={case['case_no']}")
    assert "Nothing on the pavement" in page.inner_text(f"#event-{seq}"), "the timeline shows the data as stored"
    assert "version 1" in page.inner_text("[data-procedure-version]")
    diagram_ready(page)
    assert "df-done" in element(page, "investigate").get_attribute("class")
    assert "df-current" in element(page, "serve_rights_notice").get_attribute("class")
    page.click("#verify")
    page.wait_for_selector("#verify-result [data-verified='broken']")
    assert f"Event {seq} (task_completed) was altered" in page.inner_text("#verify-result")
    assert "altered" in page.get_attribute(f"#event-{seq}", "class")
    assert page.errors == []


def test_a_party_submits_a_statement_that_the_officer_then_sees(server, open_page):
    opened = server.open_case("web_penalty", "Statement Bakery")
    case = server.complete(server.complete(opened, INVESTIGATION), {"proposed_fine": 300, "served_on": TODAY})

    phone = open_page("zh-CN", phone=True)
    phone.goto("/party")
    phone.fill("#case_no", case["case_no"])
    phone.fill("#code", "WRONG-CODE2")
    phone.click("form[action='/party/login'] button")
    assert "案件编号或查询码错误" in phone.inner_text("[role=alert]")
    phone.fill("#code", opened["access_code"])
    phone.click("form[action='/party/login'] button")
    assert phone.inner_text("[data-stage]") == "陈述申辩期"
    assert phone.locator("#now time.countdown").count() == 1, "the deadline counts down"
    assert "进行陈述和申辩" in phone.inner_text(".rights")
    phone.fill("#text", "The oven was moved off the pavement the same afternoon.")
    phone.click("text=提交陈述")
    assert "您的陈述已收到" in phone.inner_text(".flash")
    assert "您提交了陈述申辩意见。" in phone.inner_text(".timeline")

    page = open_page("en-US")
    sign_in(page, DEMO["officer"])
    row = page.locator(f"tr[data-task='recheck_statement']:has-text('{case['case_no']}')")
    assert row.count() == 1, "the re-check is on the officer's worklist"
    row.locator(f"text={case['case_no']}").click()
    assert "The oven was moved off the pavement the same afternoon." in page.inner_text("#party-messages")
    assert phone.errors == [] and page.errors == []


def test_an_admin_finds_a_failed_step_among_the_incidents_and_resolves_it(server, open_page):
    from tests.security.procedures import probe

    server.deploy("probe.bpmn", probe(script="result = 1 // 0")["probe.bpmn"].decode())
    case = server.open_case("probe", "Broken Script Bakery")
    with server.api(DEMO["officer"]) as client:
        answer = client.post(f"/api/tasks/{case['ready_tasks'][0]['id']}/complete", json={"data": {}})
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "workflow_error"

    page = open_page("zh-CN")
    sign_in(page, DEMO["admin"])
    page.click("nav >> text=故障")
    page.wait_for_load_state()
    row = page.locator("tr[data-incident]", has_text=case["case_no"])
    assert "review" in row.inner_text() and "ZeroDivisionError" in row.inner_text()
    row.locator("input[name=reason]").fill("脚本已在第 2 版修正，本案改为线下处理")
    row.locator("button.secondary").click()
    page.wait_for_load_state()
    assert "已处理" in page.inner_text(".flash")
    assert page.locator("tr[data-incident]", has_text=case["case_no"]).count() == 0

    page.click("a[href='/admin/incidents?status=resolved']")
    page.wait_for_load_state()
    resolved = page.locator("tr[data-incident]", has_text=case["case_no"])
    assert "本案改为线下处理" in resolved.inner_text()
    page.goto(f"/cases/{case['id']}")
    assert "步骤失败：已登记故障" in page.inner_text("main") and "故障已处理" in page.inner_text("main")
    assert page.errors == []


@pytest.mark.parametrize("locale, button, exported", [("en-US", "Export case file", "Case file exported"),
                                                      ("zh-CN", "导出案卷", "案卷已导出")])
def test_an_auditor_exports_a_case_file_that_verifies_offline(server, open_page, tmp_path, locale, button, exported):
    import httpx

    from engine.audit import offline

    case = server.open_case("web_penalty", f"Export Tea House {locale}")
    server.complete(case, INVESTIGATION)
    page = open_page(locale)
    sign_in(page, DEMO["auditor"])
    page.goto(f"/audit/cases/{case['id']}")
    with page.expect_download() as download:
        page.click(f"#export >> text={button}")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == f"case-{case['case_no']}.zip"
    key = httpx.get(server.url + "/api/public/keys").json()["public_key"]
    assert f"case {case['case_no']}" in offline.verify(str(path), key)
    page.reload()
    assert exported in page.inner_text("table.timeline-table tbody tr:last-child")
    assert page.errors == []


@pytest.mark.parametrize("locale, upload, hand_over, held", [
    ("en-US", "Upload", "Hand over", "Held by {who}"), ("zh-CN", "上传", "移交", "保管人：{who}")])
def test_an_officer_records_where_evidence_was_collected_and_hands_it_over(server, open_page, locale, upload,
                                                                          hand_over, held):
    case = server.open_case("web_penalty", f"Custody Dumpling Shop {locale}")
    page = open_page(locale)
    sign_in(page, DEMO["officer"])
    page.goto(f"/cases/{case['id']}")
    page.set_input_files("#evidence-file", {"name": "kerb.png", "mimeType": "image/png", "buffer": b"\x89PNG kerb"})
    page.fill("#evidence-where", "Fuxing Road, north gate")
    page.fill("#evidence-description", "tables on the kerb")
    page.click(f"#evidence button[type=submit] >> text={upload}")
    custody = page.locator("[data-custody]").first
    assert "Fuxing Road, north gate" in custody.inner_text() and "tables on the kerb" in custody.inner_text()
    assert held.format(who=DEMO["officer"]) in custody.inner_text()
    page.fill("form.handover input[name=to]", DEMO["supervisor"])
    page.click(f"form.handover button >> text={hand_over}")
    assert held.format(who=DEMO["supervisor"]) in page.locator("[data-custody]").first.inner_text()
    assert page.locator("form.handover").count() == 0, "the officer no longer holds it"
    assert page.errors == []


@pytest.mark.parametrize("locale, record, verify_new, intact, since", [
    ("en-US", "Record a checkpoint", "Verify what is new since the last checkpoint", "The whole log is intact.",
     "Only what was written after checkpoint {id} was checked"),
    ("zh-CN", "记录检查点", "只校验上次检查点之后的新内容", "整个日志完整无损。", "仅校验了检查点 {id} 之后写入的内容")])
def test_an_auditor_verifies_only_what_is_new_since_the_last_checkpoint(server, open_page, locale, record,
                                                                         verify_new, intact, since):
    page = open_page(locale)
    sign_in(page, DEMO["auditor"])
    page.goto("/audit/verify")
    page.click(f"text={record}")
    page.wait_for_url(lambda url: "/audit/verify" in url)
    case = server.open_case("web_penalty", f"Incremental Noodle Bar {locale}")
    server.complete(case, INVESTIGATION)
    page.click(f"text={verify_new}")
    page.wait_for_selector("[data-verified]")
    report = page.locator("#report")
    checkpoint = report.locator("[data-since-checkpoint]").get_attribute("data-since-checkpoint")
    assert checkpoint and int(checkpoint) > 0
    assert intact in report.inner_text() and since.format(id=checkpoint) in report.inner_text()
    assert page.errors == []
