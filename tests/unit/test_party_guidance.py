"""What the party is told at each stage, read from stage tags, deadlines and recorded facts of a real case of the
bundled ordinary procedure (real SpiffWorkflow, SQLite and PostgreSQL), and the procedure's own words per stage."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from engine.domain import ProcedureInvalidError
from engine.services import cases, procedures, tasks, timers
from engine.services.party import PartyAccess, party_case
from tests.builders import a_case, a_legal_reviewer, a_supervisor, an_admin, an_officer, procedure_files

FILED = "2026-03-02"


def _do(rt, case_id: int, element_id: str, data: dict, actor=None):
    view = cases.get_case(rt, case_id=case_id, actor=an_officer())
    task = next(t for t in view.ready_tasks if t.element_id == element_id)
    return tasks.complete_task(rt, task_id=task.id, data=data, actor=actor or an_officer())


def _party(rt, view):
    return party_case(rt, access=PartyAccess(view.id, view.case_no))


@pytest.fixture
def ordinary(rt):
    procedures.deploy_procedure(rt, files=procedure_files("ordinary_procedure"), actor=an_admin())
    view = a_case(rt, procedure="ordinary_procedure", category="noise")
    _do(rt, view.id, "register_case", {"facts": "music after 22:00", "legal_basis": "Noise Law art. 87",
                                       "filed_on": FILED})
    _do(rt, view.id, "investigate", {"evidence_summary": "72 dB(A)", "second_officer": "oscar",
                                     "severity": "moderate", "prior_offences": 1})
    _do(rt, view.id, "determine", {"outcome": "violation"})
    _do(rt, view.id, "order_correction", {"correction_required": "No amplified music after 22:00",
                                          "remedy_days": 7})
    return view


def _to_statement_period(rt, clock, view):
    clock.advance(days=8)
    timers.fire_due_timers(rt)
    _do(rt, view.id, "reinspect", {"corrected": False})
    return _do(rt, view.id, "serve_rights_notice", {"served_on": clock.now.date().isoformat(),
                                                    "service_method": "in_person"})


def test_the_remedy_period_says_what_to_correct_by_when(rt, ordinary):
    seen = _party(rt, ordinary)
    guidance = seen.guidance
    assert guidance.situation == "remedy_period"
    assert guidance.due_at == seen.deadlines[0]["due_at"], "the remedy timer's own due time"
    assert [(o["label"], o["value"]) for o in guidance.orders] == [
        ("What the party must correct", "No amplified music after 22:00"), ("Days allowed to correct", 7)]
    assert guidance.orders[0]["labels"]["zh_Hans"] == "当事人须改正的内容"


def test_the_statement_period_names_the_proposed_fine_and_after_a_statement_the_recheck_date(rt, clock, ordinary):
    notified = _to_statement_period(rt, clock, ordinary).data["proposed_fine"]
    before = _party(rt, ordinary).guidance
    assert before.situation == "statement_period" and before.amount == notified and before.due_at
    cases.deliver_message(rt, case_id=ordinary.id, name="statement_received", payload={"text": "It was 21:50."},
                          actor=PartyAccess(ordinary.id, ordinary.case_no).actor)
    seen = _party(rt, ordinary)
    after = seen.guidance
    assert after.situation == "statement_received" and after.due_at is None
    filed = date.fromisoformat(FILED)
    assert datetime.fromisoformat(after.office_due_at).date() >= filed + timedelta(days=90), \
        "the re-check is due by the procedure's own limit (PL 60: 90 days from filing)"
    assert [e["what"] for e in seen.timeline][-2:] == ["rights_notice_served", "you_stated"]


def test_payment_names_the_fine_the_day_and_the_surcharge_from_the_next_day(rt, clock, ordinary):
    _to_statement_period(rt, clock, ordinary)
    cases.deliver_message(rt, case_id=ordinary.id, name="waiver_received", payload={}, actor=an_officer())
    _do(rt, ordinary.id, "legal_review", {"review_opinion": "sound", "approved": True}, a_legal_reviewer())
    _do(rt, ordinary.id, "decide_penalty", {"fine_amount": 200, "decision_no": "CG-1",
                                            "decided_on": clock.now.date().isoformat()}, a_supervisor())
    _do(rt, ordinary.id, "serve_decision", {"decision_served_on": clock.now.date().isoformat(),
                                            "decision_service_method": "in_person"})
    seen = _party(rt, ordinary)
    guidance = seen.guidance
    assert guidance.situation == "payment" and guidance.amount == 200 and guidance.surcharge_per_day == 6
    due = datetime.fromisoformat(guidance.due_at)
    assert due - clock.now == timedelta(days=15), "PL 67: 15 days"
    assert date.fromisoformat(guidance.surcharge_from) > due.date(), "the surcharge runs only after the last day"
    whats = [e["what"] for e in seen.timeline]
    assert "you_waived" in whats and "penalty_decided" in whats and "decision_served" in whats
    assert all(not (a == b == "internal") for a, b in zip(whats, whats[1:])), "internal steps fold into one"


GUIDED = ('<camunda:property name="stage" value="statement_period"/>'
          '<camunda:property name="party_guidance" value="Bring your licence to the hearing room."/>'
          '<camunda:property name="party_guidance_zh" value="请携带营业执照到听证室。"/>')


def _web_penalty(stage_properties: str) -> bytes:
    from tests.web.conftest import PENALTY

    text = PENALTY.read_text().replace('id="web_penalty"', 'id="guided_penalty"')
    marker = '<camunda:property name="stage" value="statement_period"/><camunda:property name="name_zh" ' \
             'value="陈述申辩期届满"/>'
    assert marker in text
    return text.replace(marker, marker.replace('<camunda:property name="stage" value="statement_period"/>',
                                               stage_properties)).encode()


def test_a_procedure_adds_its_own_words_per_stage_in_both_languages(rt):
    procedures.deploy_procedure(rt, files={"guided.bpmn": _web_penalty(GUIDED)}, actor=an_admin())
    view = a_case(rt, procedure="guided_penalty")
    _do(rt, view.id, "investigate", {"findings": "tables outside", "inspected_on": FILED, "severity": "minor"})
    _do(rt, view.id, "serve_rights_notice", {"proposed_fine": 100, "served_on": FILED})
    assert _party(rt, view).guidance.custom == {"": "Bring your licence to the hearing room.",
                                                "zh_Hans": "请携带营业执照到听证室。"}


def test_party_words_in_one_language_only_are_refused_at_deploy_naming_the_element(rt):
    half = GUIDED.replace('<camunda:property name="party_guidance_zh" value="请携带营业执照到听证室。"/>', "")
    with pytest.raises(ProcedureInvalidError) as refused:
        procedures.deploy_procedure(rt, files={"guided.bpmn": _web_penalty(half)}, actor=an_admin())
    problems = [p for p in refused.value.problems if p.rule == "PARTY_GUIDANCE"]
    assert [(p.element_id, p.file) for p in problems] == [("statement_period_ends", "guided.bpmn")]
    assert "party_guidance_zh" in problems[0].message and problems[0].line


def test_the_agency_contact_comes_from_the_environment_and_is_left_out_where_unset(tmp_path):
    from engine.bootstrap import settings_from_env
    from engine.services.party import agency_contact

    env = {"DUEFLOW_VAR": str(tmp_path), "DUEFLOW_AGENCY_PHONE": "010-1234 5678",
           "DUEFLOW_AGENCY_HOURS": "工作日 8:30–17:30", "DUEFLOW_AGENCY_HOURS_EN": "Working days 8:30–17:30"}
    contact = agency_contact(settings_from_env(env))
    assert contact["phone"] == "010-1234 5678" and contact["hours_en"] == "Working days 8:30–17:30"
    assert "address" not in contact and "payment" not in contact, "nothing invented where the agency set nothing"
    assert contact["name"] == "示范市城市管理综合行政执法局"


@pytest.mark.parametrize("procedure, opener, category", [
    ("simplified_procedure", an_officer(), "street_vending"),
    ("closed_loop", an_officer("ivan", "command_centre"), "cityscape_and_environment"),
    ("joint_enforcement", a_supervisor(), "night_market")])
def test_every_bundled_procedure_tells_its_party_what_to_do_in_both_languages(sqlite_rt, procedure, opener,
                                                                              category):
    from api.web import i18n, party_words, texts

    procedures.deploy_procedure(sqlite_rt, files=procedure_files(procedure), actor=an_admin())
    view = a_case(sqlite_rt, procedure=procedure, actor=opener, category=category)
    guidance = _party(sqlite_rt, view).guidance
    assert view.stage and guidance.situation in texts.PARTY_GUIDANCE and guidance.situation != "waiting"
    i18n.load()
    said = {}
    for locale in ("zh_Hans", "en"):
        with i18n.using(locale):
            said[locale] = party_words.guidance_words(guidance)
    assert said["zh_Hans"]["do"] and said["zh_Hans"]["do"] != said["en"]["do"], "worded in each language"


def test_a_hearing_request_tells_the_party_to_attend_and_is_in_its_timeline(rt, clock, ordinary):
    _to_statement_period(rt, clock, ordinary)
    cases.deliver_message(rt, case_id=ordinary.id, name="hearing_requested", payload={"reason": "large fine"},
                          actor=PartyAccess(ordinary.id, ordinary.case_no).actor)
    seen = _party(rt, ordinary)
    assert seen.stage == "hearing" and seen.guidance.situation == "hearing", "attend the hearing, not 'we re-check'"
    assert seen.timeline[-1]["what"] == "you_requested_hearing" and seen.timeline[-1]["by"] == "you"
