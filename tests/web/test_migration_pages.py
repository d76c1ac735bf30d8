"""The migration pages in a real browser, in both languages: the admin plans the move of a running case from
the versions page, reads the plan with the old and new position on the diagrams, cannot approve it herself; a
legal reviewer approves it, the admin runs it, and the auditor's timeline shows the move."""
from __future__ import annotations

import pytest

from tests.builders import FIXTURES
from tests.web.conftest import DEMO, sign_in

V1, V2 = (FIXTURES / "migration" / f"street_order_v{n}.bpmn" for n in (1, 2))
WORDS = {
    "en-US": {"migrate": "Migrate running cases", "plan": "Plan the migration", "movable": "Can move",
              "kept": "Keeps its original due time", "not_own": "its proposer cannot", "approve": "Approve the plan",
              "run": "Move the cases", "moved": "Moved", "event": "Case moved to a new version",
              "mapping": "Element mapping"},
    "zh-CN": {"migrate": "迁移在办案件", "plan": "制定迁移计划", "movable": "可以迁移", "kept": "保持原到期时间",
              "not_own": "提出人不得批准", "approve": "批准该计划", "run": "迁移案件", "moved": "已迁移",
              "event": "案件迁移到新版本", "mapping": "环节对应关系"},
}


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_an_admin_plans_a_migration_a_reviewer_approves_it_and_the_auditor_sees_the_move(server, open_page,
                                                                                        locale):
    words, key = WORDS[locale], f"street_order_{locale[:2]}"
    server.deploy(f"{key}.bpmn", V1.read_text().replace('id="street_order"', f'id="{key}"'))
    case = server.open_case(key, f"Migration Stall {locale}")
    case = server.complete(case, {"violation": "stall on the pavement"})  # waits on the acceptance period
    server.deploy(f"{key}.bpmn", V2.read_text().replace('id="street_order"', f'id="{key}"'))

    page = open_page(locale)
    sign_in(page, DEMO["admin"])
    page.goto("/admin/procedures")
    form = page.locator(f"details[data-migrate='{key}']")
    form.locator("summary").click()
    assert words["migrate"] in form.inner_text()
    form.locator("textarea[name=mapping]").fill("inspect_site=inspect_premises")
    form.locator("textarea[name=reason]").fill("local rule 7")
    form.locator(f"button >> text={words['plan']}").click()
    page.wait_for_url("**/admin/migrations/*")
    row = page.locator(f"tr[data-case='{case['case_no']}']")
    assert row.get_attribute("data-status") == "movable" and words["movable"] in row.inner_text()
    assert words["kept"] in row.inner_text() and "acceptance_wait" in row.inner_text()
    # the old and the new position, each marked on its version's diagram
    marked = ".plan-diagrams .diagram [data-element-id='acceptance_wait'].df-current"
    page.wait_for_function(f"document.querySelectorAll(\"{marked}\").length === 2")  # both viewers imported
    assert page.locator(".plan-diagrams .diagram").count() == 2
    assert words["not_own"] in page.inner_text("#approval") and page.locator("#approval form").count() == 0
    plan_url = page.url

    reviewer = open_page(locale)
    sign_in(reviewer, DEMO["legal_reviewer"])
    reviewer.goto(plan_url)
    reviewer.fill("#approve-reason", "checked against the new rule")
    reviewer.click(f"#approval button >> text={words['approve']}")
    reviewer.wait_for_selector(".flash")

    page.goto(plan_url)
    page.click(f"#run-plan >> text={words['run']}")
    page.wait_for_selector(".flash")
    assert page.locator(f"tr[data-case='{case['case_no']}']").get_attribute("data-status") == "moved"
    assert words["moved"] in page.inner_text(f"tr[data-case='{case['case_no']}']")

    auditor = open_page(locale)
    sign_in(auditor, DEMO["auditor"])
    auditor.goto(f"/audit/cases/{case['id']}")
    assert auditor.locator("[data-procedure-version='2']").count() == 1
    event = auditor.locator("tr[data-event='case_migrated']")
    assert words["event"] in event.inner_text() and words["mapping"] in event.inner_text()
    assert "inspect_premises" in event.inner_text() and words["kept"] in event.inner_text()
    assert page.errors == [] and reviewer.errors == [] and auditor.errors == []
