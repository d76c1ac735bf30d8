"""Documents in the browser, in Chinese and in English: the officer sees the order to correct the step issued,
previews a notice, records its service with a receipt photo; the party finds it on the Documents page with the
period service started and downloads it (the download is audited). With DUEFLOW_SCREENSHOTS=docs/screenshots
the notice and the party's Documents page are photographed for the docs, and the rights notice and the penalty
decision are typeset to PDF and their first pages rendered to PNG (pypdfium2), in both languages."""
from __future__ import annotations

import hashlib
import os
import re
from datetime import date
from pathlib import Path

import pytest

from engine.services import issuing, procedures
from tests.builders import a_case, an_admin, an_auditor, an_officer, files_of
from tests.web.conftest import DEMO, PENALTY, sign_in

pytestmark = [pytest.mark.web, pytest.mark.slow]
LANGUAGES = {"zh": "zh-CN", "en": "en-US"}
WORDS = {"zh": {"issued": "已制作的文书", "record": "登记送达", "served": "已登记", "documents": "文书",
                "title": "责令改正通知书", "kind": "责令改正通知书", "period": "改正截止"},
         "en": {"issued": "Documents issued", "record": "Record service", "served": "recorded",
                "documents": "Documents", "title": "Order to correct", "kind": "Notice of order to correct",
                "period": "Correct by"}}


def _shoot(page, name: str, language: str, tmp_path) -> None:
    folder = Path(os.environ.get("DUEFLOW_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-{language}.png"), full_page=True)


def _ordered_case(server, party: str) -> dict:
    opened = server.open_case("ordinary_procedure", party, category="noise")
    case = server.complete(opened, {"facts": "amplified music after 22:00", "legal_basis": "Noise Law art. 87",
                                    "filed_on": date.today().isoformat()})
    case = server.complete(case, {"evidence_summary": "72 dB(A)", "second_officer": "oscar", "severity": "moderate",
                                  "prior_offences": 0})
    case = server.complete(case, {"outcome": "violation"})
    case = server.complete(case, {"correction_required": "no amplified music after 22:00", "remedy_days": 7})
    return {**case, "access_code": opened["access_code"]}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_an_issued_order_is_served_and_the_party_downloads_it(language, server, open_page, tmp_path):
    words = WORDS[language]
    case = _ordered_case(server, f"Night Owl Bar {language}")
    page = open_page(LANGUAGES[language])
    sign_in(page, DEMO["officer"])
    page.goto(f"/cases/{case['id']}")
    issued = page.locator("#issued")
    assert words["issued"] in issued.inner_text()
    number = issued.locator("[data-issued]").first.get_attribute("data-issued")
    assert re.fullmatch(r"示城管责改〔\d{4}〕\d+号", number or ""), number
    assert words["kind"] in issued.inner_text()

    page.click("#issued summary")
    form = page.locator("#issued form[action$='/service']").first
    form.locator("select[name=method]").select_option("in_person")
    form.locator("input[name=served_at]").fill(page.evaluate(
        "() => { const d = new Date(Date.now() - 60000 - new Date().getTimezoneOffset() * 60000);"
        " return d.toISOString().slice(0, 16); }"))
    form.locator("input[name=recipient]").fill("Wang Wu")
    form.locator("input[name=proof]").set_input_files(
        files=[{"name": "receipt.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8 signed receipt"}])
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert number in page.inner_text(".flash") and words["served"] in page.inner_text(".flash")
    assert "Wang Wu" in page.inner_text("#issued")

    preview = page.context.new_page()
    lang = "zh_Hans" if language == "zh" else "en"
    preview.goto(f"/cases/{case['id']}/paperwork/preview?template=order_to_correct&lang={lang}")
    assert words["title"] in preview.inner_text("h1") and case["case_no"] in preview.inner_text("body")
    preview.set_viewport_size({"width": 820, "height": 1100})
    _shoot(preview, "document-order-to-correct", language, tmp_path)

    phone = open_page(LANGUAGES[language], phone=True)
    phone.goto("/party")
    phone.fill("#case_no", case["case_no"])
    phone.fill("#code", case["access_code"])
    phone.click("form[action='/party/login'] button")
    phone.click(f"nav >> text={words['documents']}")
    phone.wait_for_selector("#served-documents")
    row = phone.locator("#served-documents tr[data-document]").first
    assert number in row.inner_text() and words["period"] in row.inner_text()
    _shoot(phone, "party-documents", language, tmp_path)
    with phone.expect_download() as download:
        row.locator("a[download]").click()
    content = open(download.value.path(), "rb").read()
    assert content.startswith(b"%PDF")
    with server.api(DEMO["auditor"]) as client:
        events = client.get(f"/api/cases/{case['id']}/audit").json()
    viewed = [e for e in events if e["event_type"] == "document_viewed"]
    assert viewed and viewed[0]["payload"]["sha256"] == hashlib.sha256(content).hexdigest()
    assert page.errors == [] and phone.errors == []


TYPESET = {"rights_notice": ({"facts": "在淮海路12号门前占道经营，经两次劝阻未停止。",
                              "legal_basis": "《城市市容和环境卫生管理条例》第三十六条", "proposed_fine": 500},
                             {"zh": "行政处罚事先告知书", "en": "Notice of proposed penalty"}),
           "penalty_decision": ({"facts": "在淮海路12号门前占道经营，经两次劝阻未停止。",
                                 "legal_basis": "《城市市容和环境卫生管理条例》第三十六条", "fine_amount": 500,
                                 "evidence_summary": "现场照片三张、询问笔录一份"},
                                {"zh": "行政处罚决定书", "en": "Administrative penalty decision"})}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_rights_notice_and_the_decision_as_typeset_on_paper(language, sqlite_rt, tmp_path):
    """The docs show the PDF itself, not the HTML it is typeset from: page 1 of each, with the title and the seal."""
    import pypdfium2

    key = procedures.deploy_procedure(sqlite_rt, files=files_of(PENALTY), actor=an_admin()).key
    case = a_case(sqlite_rt, key, party={"name": "绿源果蔬店", "type": "organisation"})
    folder = Path(os.environ.get("DUEFLOW_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    for template, (data, titles) in TYPESET.items():
        issued = issuing.issue_document(sqlite_rt, case_id=case.id, template=template, data=data,
                                        lang="zh_Hans" if language == "zh" else "en", actor=an_officer())
        exported = issuing.case_documents_for_export(sqlite_rt, case_id=case.id, actor=an_auditor())
        content = next(c for v, c in exported if v.view.id == issued.view.id)
        pdf = pypdfium2.PdfDocument(content)
        page = pdf[0]
        assert titles[language] in page.get_textpage().get_text_range()
        image = page.render(scale=1.6).to_pil().convert("RGB")
        image.save(folder / f"document-{template.replace('_', '-')}-{language}.png", optimize=True)
        pixels = list(image.get_flattened_data())
        inked = sum(1 for r, g, b in pixels if r + g + b < 300)
        red = sum(1 for r, g, b in pixels if r > 170 and g < 90 and b < 90)
        assert inked > 5000 and red > 500, (template, inked, red)  # text on the page, and the red seal
        pdf.close()
