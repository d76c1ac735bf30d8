"""The engine guards the party's rights even when an agency's policy lets an unlawful procedure deploy."""
import pytest

from engine.domain import RightsGateError
from engine.policy import load_policy
from engine.services import cases, procedures, tasks
from engine.services.runtime import Runtime
from tests.builders import ROOT, a_case, a_supervisor, an_admin, an_auditor, an_officer, files_of


@pytest.fixture
def lenient_rt(store, clock, tmp_path):
    """An agency policy that switches the penalty rules off: lint no longer blocks, the engine still does."""
    path = tmp_path / "lenient.toml"
    path.write_text('extends = "prc_ordinary"\n'
                    '[rules.PENALTY_WITHOUT_RIGHTS_NOTICE]\nseverity = "off"\n'
                    '[rules.PENALTY_WITHOUT_ORDER_TO_CORRECT]\nseverity = "off"\n'
                    '[rules.PENALTY_WITHOUT_EVIDENCE]\nseverity = "off"\n')
    return Runtime(store, clock, policy=load_policy(path))


def test_the_default_policy_refuses_to_deploy_a_penalty_without_rights(rt):
    with pytest.raises(Exception) as caught:
        procedures.deploy_procedure(rt, files=files_of("penalty_only.bpmn"), actor=an_admin())
    assert "PENALTY_WITHOUT_RIGHTS_NOTICE" in {d["rule"] for d in caught.value.details}


def test_a_penalty_without_a_served_rights_notice_is_refused_and_the_refusal_audited(lenient_rt):
    procedures.deploy_procedure(lenient_rt, files=files_of("penalty_only.bpmn"), actor=an_admin())
    case = a_case(lenient_rt, procedure="penalty_only", actor=a_supervisor())
    with pytest.raises(RightsGateError, match="rights notice"):
        tasks.complete_task(lenient_rt, task_id=case.ready_tasks[0].id, data={"fine_amount": 500},
                            actor=a_supervisor())
    after = cases.get_case(lenient_rt, case_id=case.id, actor=a_supervisor())
    assert after.status == "open" and [t.element_id for t in after.ready_tasks] == ["decide_penalty"]
    refused = cases.case_audit(lenient_rt, case_id=case.id, actor=an_auditor())[-1]
    assert (refused["event_type"], refused["payload"]["code"]) == ("step_refused", "rights_gate")
    assert cases.verify_audit(lenient_rt, actor=an_auditor())["ok"]


def _renamed_penalty(**renames: str) -> dict[str, bytes]:
    """The web penalty procedure with its amount fields (form fields, declarations) under other names."""
    text = (ROOT / "tests" / "web" / "fixtures" / "web_penalty.bpmn").read_text()
    for old, new in renames.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    return {"renamed_penalty.bpmn": text.encode()}


def test_the_fine_cap_follows_the_declared_fields_whatever_they_are_called(rt):
    """Before, only fields named fine_amount, penalty_amount or amount were compared: `fine` skipped the cap."""
    files = _renamed_penalty(proposed_fine="notice_total", fine_amount="fine")
    assert b'value="fine"' in files["renamed_penalty.bpmn"]
    key = procedures.deploy_procedure(rt, files=files, actor=an_admin()).key
    case = a_case(rt, key)
    view = tasks.complete_task(rt, task_id=case.ready_tasks[0].id, actor=an_officer(),
                               data={"findings": "stall on the pavement", "inspected_on": "2026-03-02"})
    view = tasks.complete_task(rt, task_id=view.ready_tasks[0].id, actor=an_officer(),
                               data={"notice_total": 300, "served_on": "2026-03-02"})
    cases.deliver_message(rt, case_id=case.id, name="waiver_received", payload={}, actor=an_officer())
    decide = cases.get_case(rt, case_id=case.id, actor=an_officer()).ready_tasks[0]
    with pytest.raises(RightsGateError, match="exceeds the notified 300"):
        tasks.complete_task(rt, task_id=decide.id, data={"fine": 500, "reasons": "PL 57"}, actor=an_officer())
    served = [e for e in cases.case_audit(rt, case_id=case.id, actor=an_auditor())
              if e["event_type"] == "rights_notice_served"]
    assert served[0]["payload"]["amount"] == 300, "the notified amount is read from the declared field"
    decided = tasks.complete_task(rt, task_id=decide.id, data={"fine": 300, "reasons": "PL 57"}, actor=an_officer())
    assert decide.id not in {t.id for t in decided.ready_tasks}
