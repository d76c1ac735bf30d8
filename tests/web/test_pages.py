"""The pages over HTTP, without a browser: sign-in, CSRF, roles, forms with field errors, evidence, the party
portal, the audit pages, and both languages. The browser journeys (test_journeys.py) drive the same pages."""
from __future__ import annotations

import hashlib

import pytest

from engine.services import audit_trail, cases, procedures, tasks
from tests.builders import FIXTURES, a_case, an_admin, an_officer
from tests.web.conftest import PASSWORD, PENALTY

INVESTIGATION = {"findings": "stall on the pavement", "inspected_on": "2026-03-02"}


def test_pages_need_a_sign_in_and_return_to_the_page_asked_for(browser, penalty):
    b = browser()
    page = b.get("/work")
    assert page.url.path == "/login" and "next=/work" in str(page.url)
    page = b.post("/login", {"username": "olga", "password": PASSWORD, "next": "/work"})
    assert page.url.path == "/work" and "Worklist" in page.text
    assert "HttpOnly" in page.history[0].headers["set-cookie"] and "SameSite=lax" in page.history[0].headers["set-cookie"]


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\r\nSet-Cookie: x=1", "/work\n", "/\x0b/evil.example",
                                    "/案件"])
def test_a_next_page_with_control_characters_never_reaches_the_redirect(browser, target):
    b = browser()
    b.get("/login")
    signed_in = b.client.post("/login", data={"csrf_token": b.token, "username": "olga", "password": PASSWORD,
                                              "next": target}, headers={"HX-Request": "true"})
    assert signed_in.status_code == 204 and signed_in.headers["hx-redirect"] == "/work"
    switched = b.client.get("/lang/zh", params={"next": target}, follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/"


def test_an_oversized_form_field_is_refused_naming_it_and_nothing_is_recorded(browser, rt, penalty):
    case = a_case(rt, penalty)
    b = browser()
    b.sign_in("olga")
    b.get(f"/cases/{case.id}")
    before = cases.case_audit(rt, case_id=case.id, actor=an_admin())
    refused = b.post(f"/cases/{case.id}/messages", {"message": "waiver_received", "note": "n" * 2_000_000})
    assert refused.status_code == 422 and "note" in refused.text
    assert cases.case_audit(rt, case_id=case.id, actor=an_admin()) == before


def test_a_wrong_password_is_said_plainly_and_in_chinese_too(browser):
    page = browser().sign_in("olga", "wrong password")
    assert page.status_code == 401 and "Wrong user name or password." in page.text
    page = browser("zh-CN,zh;q=0.9,en;q=0.5").sign_in("olga", "wrong password")
    assert page.status_code == 401 and "用户名或密码错误" in page.text and 'lang="zh-Hans"' in page.text


def test_a_post_without_the_csrf_token_or_from_another_site_is_refused(browser, rt, penalty):
    b = browser()
    b.sign_in("olga")
    case = a_case(rt, penalty)
    refused = b.post(f"/cases/{case.id}/messages", {"message": "waiver_received"}, token="forged")
    assert refused.status_code == 403 and "csrf_failed" in refused.text
    refused = b.post(f"/cases/{case.id}/messages", {"message": "waiver_received"},
                     headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    login_elsewhere = browser().post("/login", {"username": "olga", "password": "x"}, token="")
    assert login_elsewhere.status_code == 403


def test_the_worklist_shows_case_party_stage_and_deadline(browser, rt, penalty):
    a_case(rt, penalty)
    b = browser()
    page = b.sign_in("olga")
    assert "Investigate the site" in page.text and "Green Grocer Ltd" in page.text
    assert 'data-stage="investigation"' in page.text and ">Investigation<" in page.text
    other = browser()
    assert "Investigate the site" not in other.sign_in("mark").text, "another department's work is not shown"


def test_a_task_form_shows_field_errors_and_then_the_next_step(browser, rt, penalty):
    case = a_case(rt, penalty)
    b = browser()
    b.sign_in("olga")
    form = b.get(f"/tasks/{case.ready_tasks[0].id}")
    assert 'name="findings"' in form.text and 'type="date"' in form.text and '<select id="f-severity"' in form.text
    page = b.post(f"/tasks/{case.ready_tasks[0].id}", {"findings": "bad", "inspected_on": ""})
    assert page.status_code == 422
    assert 'id="findings-error">At least 5 characters.' in page.text
    assert 'id="inspected_on-error">Required.' in page.text
    page = b.post(f"/tasks/{case.ready_tasks[0].id}", {**INVESTIGATION, "severity": "serious",
                                                       "credentials_shown": "true"})
    assert page.url.path == f"/cases/{case.id}"
    assert "Completed: Investigate the site." in page.text
    assert 'data-next-task="serve_rights_notice"' in page.text
    data = cases.get_case(rt, case_id=case.id, actor=an_officer()).data
    assert data["severity"] == "serious" and data["credentials_shown"] is True


def test_a_rights_gate_refusal_is_shown_on_the_task(browser, rt, penalty):
    case = a_case(rt, penalty)
    view = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INVESTIGATION, actor=an_officer())
    view = tasks.complete_task(rt, task_id=view.ready_tasks[0].id, actor=an_officer(),
                               data={"proposed_fine": 300, "served_on": "2026-03-02"})
    b = browser()
    b.sign_in("olga")
    b.post(f"/cases/{case.id}/messages", {"message": "waiver_received", "note": "signed on paper"})
    decide = next(t for t in cases.get_case(rt, case_id=case.id, actor=an_officer()).ready_tasks)
    page = b.post(f"/tasks/{decide.id}", {"fine_amount": "500", "reasons": "PL 57"})
    assert page.status_code == 409 and "Refused to protect the party" in page.text and "exceeds" in page.text


def test_evidence_is_uploaded_with_its_sha256_and_downloaded_intact(browser, rt, penalty):
    case = a_case(rt, penalty)
    b = browser()
    b.sign_in("olga")
    b.get(f"/cases/{case.id}")
    photo = b"\x89PNG pretend photo"
    page = b.client.post(f"/cases/{case.id}/evidence", data={"csrf_token": b.token, "note": "north side"},
                         files={"file": ("site.png", photo, "image/png")})
    digest = hashlib.sha256(photo).hexdigest()
    assert page.status_code == 200 and digest in page.text and "Evidence stored: site.png" in page.text
    download = b.get(f"/cases/{case.id}/documents/1")
    assert download.content == photo and download.headers["x-content-intact"] == "yes"
    assert "attachment" in download.headers["content-disposition"]


def test_evidence_with_a_chinese_name_downloads_from_the_case_page(browser, rt, penalty):
    case = a_case(rt, penalty)
    b = browser()
    b.sign_in("olga")
    b.get(f"/cases/{case.id}")
    b.client.post(f"/cases/{case.id}/evidence", data={"csrf_token": b.token},
                  files={"file": ("现场照片.png", b"\x89PNG photo", "image/png")})
    download = b.get(f"/cases/{case.id}/documents/1")
    assert download.status_code == 200 and download.content == b"\x89PNG photo"
    assert download.headers["content-disposition"].endswith(
        "filename*=UTF-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.png")
    assert download.headers["x-content-type-options"] == "nosniff"


def test_the_party_portal_takes_a_statement_that_the_officer_sees(browser, rt, penalty):
    case = a_case(rt, penalty)
    view = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INVESTIGATION, actor=an_officer())
    tasks.complete_task(rt, task_id=view.ready_tasks[0].id, actor=an_officer(),
                        data={"proposed_fine": 300, "served_on": "2026-03-02"})
    party = browser("zh-CN")
    party.get("/party")
    wrong = party.post("/party/login", {"case_no": case.case_no, "code": "WRONG-CODE1"})
    assert wrong.status_code == 401 and "案件编号或查询码错误" in wrong.text
    page = party.post("/party/login", {"case_no": case.case_no, "code": case.access_code})
    assert page.url.path == "/party/case" and "陈述申辩期" in page.text and "陈述和申辩" in page.text
    assert "印在印章下方" in page.text, "no phone set: the party is told where the contact is printed instead"
    empty = party.post("/party/statement", {"text": "  "})
    assert empty.status_code == 422 and 'id="text-error"' in empty.text
    page = party.post("/party/statement", {"text": "The stall was moved the same day."})
    assert page.url.path == "/party/case" and "您的陈述已收到" in page.text
    assert "不得因您陈述、申辩而给予更重的处罚" in page.text and "您提交了陈述申辩意见。" in page.text
    officer = browser()
    officer.sign_in("olga")
    seen = officer.get(f"/cases/{case.id}")
    assert "The stall was moved the same day." in seen.text and 'data-next-task="recheck_statement"' in seen.text
    assert officer.get("/party/case").url.path == "/party", "a staff session opens no party page"


def test_the_auditor_sees_the_timeline_and_verification_names_the_altered_event(browser, rt, penalty):
    case = a_case(rt, penalty)
    tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INVESTIGATION, actor=an_officer())
    b = browser()
    b.sign_in("audrey")
    page = b.get(f"/audit/cases/{case.id}")
    assert "stall on the pavement" in page.text and "version 1" in page.text and 'id="event-3"' in page.text
    assert 'data-verified="ok"' in b.get(f"/audit/cases/{case.id}/verify", headers={"HX-Request": "true"}).text
    if rt.store.is_postgres:
        rt.store.execute_sql("DROP TRIGGER audit_event_no_update ON audit_event")
    else:
        rt.store.execute_sql("DROP TRIGGER audit_event_no_update")
    seq = next(e["seq"] for e in cases.case_audit(rt, case_id=case.id, actor=an_admin())
               if e["event_type"] == "task_completed")
    rt.store.execute_sql("UPDATE audit_event SET payload = replace(payload, 'pavement', 'road') "
                         "WHERE case_id = :c AND seq = :s", c=case.id, s=seq)
    report = b.get(f"/audit/cases/{case.id}/verify", headers={"HX-Request": "true"}).text
    assert f'data-bad-seq="{seq}"' in report and f"Event {seq} (task_completed) was altered" in report
    whole = b.get("/audit/verify?run=1").text
    assert 'data-verified="broken"' in whole and case.case_no in whole


def test_the_verify_page_shows_the_checkpoint_key_and_the_signed_checkpoint_it_compared_with(browser, rt, penalty):
    a_case(rt, penalty)
    b = browser()
    b.sign_in("audrey")
    b.get("/audit/verify")
    assert b.post("/audit/checkpoint").status_code == 200
    page = b.get("/audit/verify?run=1").text
    key = audit_trail.public_key(rt)["public_key"]
    assert f"<code data-public-key>{key}</code>" in page and 'data-verified="ok"' in page
    checkpoint = audit_trail.verify_audit(rt, actor=an_admin())["checkpoint"]
    assert f'data-checkpoint="{checkpoint["root"]}"' in page


def test_roles_see_only_their_pages(browser, rt, penalty):
    b = browser()
    b.sign_in("olga")
    assert b.get("/admin/users").status_code == 403
    assert b.get("/admin/modeler").status_code == 403
    assert b.get("/audit/verify?run=1").status_code == 403
    auditor = browser()
    auditor.sign_in("audrey")
    case = a_case(rt, penalty)
    assert auditor.post(f"/cases/{case.id}/messages", {"message": "waiver_received"}).status_code == 403


def test_another_departments_case_page_is_the_page_of_a_missing_case(browser, rt, penalty):
    case = a_case(rt, penalty)
    b = browser()
    b.sign_in("mark")
    for path in ("/cases/{}", "/audit/cases/{}"):
        hidden, missing = b.get(path.format(case.id)), b.get(path.format(999_999))
        assert hidden.status_code == missing.status_code == 404
        def plain(text: str, case_id: int) -> str:
            return text.replace(f"cases/{case_id}", "cases/N").replace(f"no case {case_id}", "no case N")
        assert plain(hidden.text, case.id) == plain(missing.text, 999_999)


def test_the_admin_checks_and_deploys_a_draft_and_sees_the_diff(browser, rt, penalty):
    b = browser()
    b.sign_in("ada")
    b.get(f"/admin/modeler?key={penalty}&version=1")
    broken = PENALTY.read_bytes().replace(b'<camunda:property name="stage" value="penalty_decision"/>', b"")
    answer = b.client.post("/admin/procedures/check", data={"key": penalty, "version": "1"},
                           files={"bpmn": ("x.bpmn", broken, "application/xml")},
                           headers={"X-CSRF-Token": b.token, "Accept": "application/json"})
    assert answer.status_code == 200 and answer.json()["errors"] >= 1
    assert "decide_penalty" in {p["element_id"] for p in answer.json()["problems"]}
    renamed = PENALTY.read_bytes().replace(b'name="Investigate the site"', b'name="Investigate and photograph"')
    answer = b.client.post("/admin/procedures/deploy", data={"key": penalty, "version": "1"},
                           files={"bpmn": ("x.bpmn", renamed, "application/xml")},
                           headers={"X-CSRF-Token": b.token, "Accept": "application/json"})
    assert answer.status_code == 201 and answer.json()["version"] == 2
    listing = b.get("/admin/procedures").text
    assert "Investigate and photograph" in listing and "Renamed" in listing
    assert [v.version for v in procedures.list_procedures(rt)] == [1, 2]


def test_the_diagram_of_a_procedure_without_one_is_laid_out(browser, penalty):
    b = browser()
    b.sign_in("olga")
    xml = b.get(f"/procedures/{penalty}/1.bpmn").text
    assert "BPMNDiagram" in xml and 'bpmnElement="decide_penalty"' in xml and 'bpmnElement="f_rechecked"' in xml


@pytest.mark.parametrize("header,expected", [("zh-CN,zh;q=0.9", "zh-Hans"), ("en-GB,en;q=0.8", "en"),
                                             ("fr-FR, zh-TW;q=0.5", "zh-Hans"), ("", "en")])
def test_the_language_follows_the_browser_until_switched(browser, header, expected):
    b = browser(header)
    assert f'lang="{expected}"' in b.get("/login").text
    switched = b.get("/lang/en?next=/login" if expected != "en" else "/lang/zh_Hans?next=/login")
    assert f'lang="{"en" if expected != "en" else "zh-Hans"}"' in switched.text


def test_a_statement_sent_when_the_case_no_longer_waits_for_one_is_refused_on_the_page(browser, rt, penalty):
    case = a_case(rt, penalty)
    party = browser()
    party.get("/party")
    party.post("/party/login", {"case_no": case.case_no, "code": case.access_code})
    page = party.post("/party/statement", {"text": "Too early: the notice was not served yet."})
    assert page.status_code == 409 and "The case is not waiting for this message now." in page.text
    assert "Too early: the notice was not served yet." in page.text, "what the party wrote is kept"


def test_the_case_page_says_which_step_waits_for_a_worker_program_in_both_languages(browser, rt):
    from tests.builders import ROOT

    example = ROOT / "examples" / "external_tasks.bpmn"
    procedures.deploy_procedure(rt, files={example.name: example.read_bytes()}, actor=an_admin())
    case = cases.open_case(rt, procedure="permit_check", data={}, actor=an_officer())
    b = browser()
    b.sign_in("olga")
    page = b.get(f"/cases/{case.id}")
    assert page.status_code == 200 and "Waiting for a worker program: Check the business registry (topic " \
        "registry-check)" in page.text
    b = browser("zh-CN,zh;q=0.9")
    b.sign_in("olga")
    assert "等待工作程序处理：Check the business registry（主题 registry-check）" in b.get(f"/cases/{case.id}").text


@pytest.mark.parametrize("language,label", [("en", "Lane roles (optional)"), ("zh-CN", "泳道角色（可选）")])
def test_the_admin_gives_lane_roles_when_deploying_files_and_in_the_modeler(browser, rt, language, label):
    lanes = (FIXTURES / "elements" / "lanes_any_name.bpmn").read_bytes()
    b = browser(language)
    b.sign_in("ada")
    assert label in b.get("/admin/procedures").text
    b.client.post("/admin/procedures/upload", data={"csrf_token": b.token, "lanes": '{"Boss": "supervisor"}'},
                  files={"files": ("lanes.bpmn", lanes, "application/xml")})
    assert [v.key for v in procedures.list_procedures(rt)] == ["leave_request"]
    page = b.get("/admin/modeler?key=leave_request&version=1").text
    assert label in page and "{&#34;Boss&#34;: &#34;supervisor&#34;}" in page, "the version's mapping, to edit"
    answer = b.client.post("/admin/procedures/check", data={"key": "leave_request", "version": "1",
                                                            "lanes": '{"Boss": "chief"}'},
                           files={"bpmn": ("x.bpmn", lanes, "application/xml")},
                           headers={"X-CSRF-Token": b.token, "Accept": "application/json"})
    assert [p["rule"] for p in answer.json()["problems"] if p["severity"] == "error"] == ["LANE_ROLE"]


@pytest.mark.parametrize("language,legend,required", [("en", "What the procedure permit_request asks", "Required."),
                                                       ("zh-CN", "立案时程序 permit_request 需要填写的内容", "必填。")])
def test_the_new_case_page_asks_for_the_start_form_and_names_a_missing_field(browser, rt, language, legend, required):
    procedures.deploy_procedure(rt, files={"p.bpmn": (FIXTURES / "elements" / "start_form.bpmn").read_bytes()},
                                actor=an_admin())
    b = browser(language)
    b.sign_in("olga")
    page = b.get("/cases/new").text
    assert legend in page and 'name="start.permit_request.applicant"' in page and 'value="1"' in page
    form = {"csrf_token": b.token, "procedure": "permit_request", "party_name": "Li Wei", "address": "1 Road"}
    refused = b.client.post("/cases/new", data=form)
    assert refused.status_code == 422 and 'id="start.permit_request.applicant-error"' in refused.text
    assert required in refused.text
    opened = b.client.post("/cases/new", data={**form, "start.permit_request.applicant": "Li Wei",
                                               "start.permit_request.stalls": "3"})
    assert opened.status_code == 201
    [case] = cases.list_cases(rt, actor=an_admin())[0]
    assert cases.get_case(rt, case_id=case["id"], actor=an_admin()).data["stalls"] == 3


def test_only_auditors_and_admins_see_and_use_the_export_button(browser, rt, penalty):
    case = a_case(rt, penalty)
    b = browser("zh-CN")
    b.sign_in("audrey")
    page = b.get(f"/audit/cases/{case.id}").text
    assert 'id="export"' in page and "导出案卷" in page
    download = b.post(f"/audit/cases/{case.id}/export")
    assert download.headers["content-type"] == "application/zip" and download.content[:2] == b"PK"
    assert f"case-{case.case_no}.zip" in download.headers["content-disposition"]
    assert b.post(f"/audit/cases/{case.id}/export", token="forged").status_code == 403, "CSRF is checked"
    s = browser()
    s.sign_in("sam")
    page = s.get(f"/audit/cases/{case.id}")
    assert page.status_code == 200 and 'id="export"' not in page.text
    assert s.post(f"/audit/cases/{case.id}/export").status_code == 403
    assert [e["event_type"] for e in cases.case_audit(rt, case_id=case.id, actor=an_admin())].count(
        "case_exported") == 1


@pytest.mark.parametrize("language, collected, held", [("en", "Collected by olga", "Held by sam"),
                                                       ("zh-CN", "由 olga 收集", "保管人：sam")])
def test_the_case_page_shows_custody_and_the_holder_hands_evidence_over(browser, rt, penalty, language, collected,
                                                                      held):
    case = a_case(rt, penalty)
    b = browser(language)
    b.sign_in("olga")
    b.get(f"/cases/{case.id}")
    b.client.post(f"/cases/{case.id}/evidence", data={"csrf_token": b.token, "collected_where": "north gate",
                                                      "description": "stall on the kerb"},
                  files={"file": ("stall.jpg", b"\xff\xd8 stall", "image/jpeg")})
    page = b.get(f"/cases/{case.id}").text
    assert collected in page and "north gate" in page and "stall on the kerb" in page
    assert 'id="handover-1"' in page
    moved = b.post(f"/cases/{case.id}/documents/1/handover", {"to": "sam"})
    assert moved.status_code == 200 and held in moved.text and 'id="handover-1"' not in moved.text
    assert b.post(f"/cases/{case.id}/documents/1/handover", {"to": "olga"}).status_code == 403, "olga holds it no more"
    s = browser(language)
    s.sign_in("sam")
    assert 'id="handover-1"' in s.get(f"/cases/{case.id}").text
    events = [e["event_type"] for e in cases.case_audit(rt, case_id=case.id, actor=an_admin())]
    assert events[-2:] == ["evidence_added", "custody_transferred"]
