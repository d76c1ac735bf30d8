"""The engine guards the party's rights even when an agency's policy lets an unlawful procedure deploy."""
import pytest

from engine.domain import RightsGateError
from engine.policy import load_policy
from engine.services import cases, procedures, tasks
from engine.services.runtime import Runtime
from tests.builders import a_case, a_supervisor, an_admin, an_auditor, files_of


@pytest.fixture
def lenient_rt(store, clock, tmp_path):
    """An agency policy that switches the penalty rules off: lint no longer blocks, the engine still does."""
    path = tmp_path / "lenient.toml"
    path.write_text('extends = "prc_ordinary"\n'
                    '[rules.PENALTY_WITHOUT_RIGHTS_NOTICE]\nseverity = "off"\n'
                    '[rules.PENALTY_WITHOUT_ORDER_TO_CORRECT]\nseverity = "off"\n')
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
