"""Document titles read in the reader's language, in Chinese and in English: the worklist says which document a
task issues, the party's Documents page names each served document in both languages; and evidence an officer
shows to the party ("Show to the party" on the case page) is downloaded from the portal as a custody view by the
party."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.web.conftest import DEMO, sign_in

pytestmark = [pytest.mark.web, pytest.mark.slow]
LANGUAGES = {"zh": "zh-CN", "en": "en-US"}
WORDS = {"zh": {"issues": "制作文书：", "order": "责令改正通知书", "show": "向当事人公开", "shown": "当事人可在门户中查看",
                "documents": "文书", "evidence": "证据"},
         "en": {"issues": "Issues:", "order": "Notice of order to correct", "show": "Show to the party",
                "shown": "The party can see this in the portal", "documents": "Documents", "evidence": "Evidence"}}
PHOTO = b"\xff\xd8\xff\xe0 stall on the pavement" * 64


def _determined_case(server, party: str) -> dict:
    opened = server.open_case("ordinary_procedure", party, category="noise")
    case = server.complete(opened, {"facts": "amplified music after 22:00", "legal_basis": "Noise Law art. 87",
                                    "filed_on": date.today().isoformat()})
    case = server.complete(case, {"evidence_summary": "72 dB(A)", "second_officer": "oscar", "severity": "moderate",
                                  "prior_offences": 0})
    case = server.complete(case, {"outcome": "violation"})
    return {**case, "access_code": opened["access_code"]}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_titles_in_both_languages_and_evidence_shown_to_the_party(language, server, open_page):
    words = WORDS[language]
    case = _determined_case(server, f"Titles Teahouse {language}")
    page = open_page(LANGUAGES[language])
    sign_in(page, DEMO["officer"])
    page.goto("/work")
    row = page.locator(f"tr[data-task=order_correction]:has(a[href='/cases/{case['id']}'])")
    assert f"{words['issues']} {words['order']}" in row.locator("[data-issues]").inner_text()

    case = {**server.complete(case, {"correction_required": "no amplified music after 22:00", "remedy_days": 7}),
            "access_code": case["access_code"]}
    with server.api(DEMO["officer"]) as client:
        [order] = client.get(f"/api/cases/{case['id']}/issued-documents").json()
        served_at = (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()
        answer = client.post(f"/api/cases/{case['id']}/issued-documents/{order['view']['id']}/service",
                             data={"method": "in_person", "served_at": served_at, "recipient": "Wang Wu"})
        assert answer.status_code == 200, answer.text
        added = client.post(f"/api/cases/{case['id']}/documents",
                            files={"file": ("stall.jpg", PHOTO, "image/jpeg")}, data={"description": "the stall"})
        assert added.status_code == 201, added.text
    photo = added.json()

    page.goto(f"/cases/{case['id']}")
    item = page.locator(f"#evidence li[data-document='{photo['id']}']")
    item.locator("form.disclosure button").click()
    page.wait_for_load_state()
    assert "stall.jpg" in page.inner_text(".flash")
    assert words["shown"] in page.locator(f"#evidence li[data-document='{photo['id']}']").inner_text()

    phone = open_page(LANGUAGES[language], phone=True)
    phone.goto("/party")
    phone.fill("#case_no", case["case_no"])
    phone.fill("#code", case["access_code"])
    phone.click("form[action='/party/login'] button")
    phone.click(f"nav >> text={words['documents']}")
    phone.wait_for_selector("#served-documents")
    titles = phone.locator("#served-documents .document-title").all_inner_texts()
    assert any("责令改正通知书" in t and "Notice of order to correct" in t for t in titles), titles
    assert any(words["evidence"] in t for t in titles), titles
    evidence_row = phone.locator(f"#served-documents tr[data-document='{photo['id']}']")
    with phone.expect_download() as download:
        evidence_row.locator("a[download]").click()
    assert open(download.value.path(), "rb").read() == PHOTO
    with server.api(DEMO["auditor"]) as client:
        chain = client.get(f"/api/cases/{case['id']}/documents/{photo['id']}/custody").json()
    assert [e["event_type"] for e in chain["events"]][-2:] == ["evidence_disclosed", "evidence_viewed"]
    viewed = chain["events"][-1]
    assert viewed["actor"] == f"party:{case['case_no']}"
    assert viewed["payload"]["sha256"] == hashlib.sha256(PHOTO).hexdigest()
    assert page.errors == [] and phone.errors == []
