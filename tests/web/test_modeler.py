"""The admin's modeler in a real browser: every kind of thing a procedure holds is edited in the properties
panel (a form field's label, a flow's condition, a timer, a stage, the documents a task issues, the other
language's name), deployed, and found in the deployed version's BPMN; the procedures page counts the cases
of each version and says which version new cases get."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from playwright.sync_api import expect

from tests.web.conftest import DEMO, WEB_FIXTURES, sign_in

pytestmark = [pytest.mark.web, pytest.mark.slow]
MODELER = WEB_FIXTURES / "web_modeler.bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "camunda": "http://camunda.org/schema/1.0/bpmn"}


def select(page, element_id: str, *, by_label: bool = False) -> None:
    """Click an element of the diagram (events and flows by their label: a flow may cross the shape)."""
    target = f"{element_id}_label" if by_label else element_id
    page.locator(f".djs-element[data-element-id='{target}']").first.click()
    expect(page.locator("#bio-properties-panel-id")).to_have_value(element_id)


def open_group(page, group: str) -> None:
    """Open a group of the properties panel unless it is open already."""
    header = page.locator(f"#properties-panel [data-group-id='group-{group}'] .bio-properties-panel-group-header")
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def type_into(page, selector: str, text: str) -> None:
    page.fill(selector, text)
    page.press(selector, "Tab")  # the panel writes on blur, without waiting for its debounce


def deployed(server, key: str, version: int) -> ET.Element:
    with server.api(DEMO["admin"]) as client:
        answer = client.get(f"/api/procedures/{key}/versions/{version}/bpmn")
    assert answer.status_code == 200, answer.text
    return ET.fromstring(answer.content)


def node(root: ET.Element, element_id: str) -> ET.Element:
    found = root.find(f".//*[@id='{element_id}']")
    assert found is not None, f"{element_id} is missing from the deployed BPMN"
    return found


def properties(element: ET.Element) -> dict[str, str]:
    """The element's own extension properties (not its form fields')."""
    box = element.find("bpmn:extensionElements/camunda:properties", NS)
    return {p.get("name", ""): p.get("value", "") for p in (box if box is not None else [])}


def field_label_zh(task: ET.Element, field: str) -> str:
    found = task.find(f".//camunda:formField[@id='{field}']/camunda:properties/camunda:property[@id='label_zh']", NS)
    assert found is not None
    return found.get("value", "")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_an_admin_edits_every_kind_of_property_in_the_panel_and_the_deployed_version_has_them(server, open_page,
                                                                                            locale):
    chinese = locale.startswith("zh")
    key = f"web_modeler_{'zh' if chinese else 'en'}"
    server.deploy(f"{key}.bpmn", MODELER.read_text().replace('id="web_modeler"', f'id="{key}"'))
    for party in ("Panel Tea House", "Panel Noodle Bar"):
        server.open_case(key, party)

    page = open_page(locale)
    sign_in(page, DEMO["admin"])
    page.goto(f"/admin/procedures#procedure-{key}")
    page.click(f"#procedure-{key} >> text={'在建模器中编辑' if chinese else 'Edit in the modeler'}")
    page.wait_for_selector("#canvas[data-ready='true']")
    expect(page.locator("#properties-panel")).to_contain_text("常规" if chinese else "General")

    # a form field's label: the English label, or its Chinese translation (label_zh) on a Chinese page
    select(page, "investigate")
    open_group(page, "CamundaPlatform__FormData")
    page.click("[data-entry-id='investigate-formField-0'] .bio-properties-panel-collapsible-entry-header")
    if chinese:
        label_zh = "#bio-properties-panel-investigate-formField-0-formFieldProperties-property-0-value"
        page.click("[data-entry-id='investigate-formField-0-formFieldProperties'] "
                   ".bio-properties-panel-list-entry-header .bio-properties-panel-arrow")
        page.click("[data-entry-id='investigate-formField-0-formFieldProperties-property-0'] "
                   ".bio-properties-panel-collapsible-entry-header")
        assert page.input_value(label_zh) == "调查发现"
        type_into(page, label_zh, "现场检查发现")
    else:
        type_into(page, "#bio-properties-panel-investigate-formField-0-formFieldLabel", "Findings on site")

    # a condition on a flow
    select(page, "f2", by_label=True)
    open_group(page, "CamundaPlatform__Condition")
    type_into(page, "#bio-properties-panel-conditionExpression", 'violation_established == True and severity != ""')

    # a timer's duration
    select(page, "statement_period_ends", by_label=True)
    open_group(page, "timer")
    type_into(page, "#bio-properties-panel-timerEventDefinitionValue", "P20D")

    # the stage tag and the documents a task issues, in the Dueflow group
    select(page, "closed_not_established", by_label=True)
    page.select_option("#bio-properties-panel-dueflow-stage", "closure")
    select(page, "decide_penalty")
    type_into(page, "#bio-properties-panel-dueflow-document", "penalty_decision")

    # the Chinese name: renamed in the page's language on a Chinese page, else in the Dueflow group
    select(page, "serve_decision")
    if chinese:
        assert page.input_value("#bio-properties-panel-name") == "送达处罚决定书", "the Chinese name to rename"
        assert page.input_value("#bio-properties-panel-dueflow-name-en") == "Serve the decision"
        type_into(page, "#bio-properties-panel-name", "送达并签收处罚决定书")
        expect(page.locator(".djs-element[data-element-id='serve_decision']")).to_contain_text("送达并签收")
    else:
        assert page.input_value("#bio-properties-panel-name") == "Serve the decision"
        type_into(page, "#bio-properties-panel-dueflow-name-zh", "送达并签收处罚决定书")

    page.click("#deploy")
    page.wait_for_selector("#status[data-deployed-version='2']")
    assert page.locator("#problems li.error").count() == 0

    root = deployed(server, key, 2)
    investigate = node(root, "investigate")
    findings = investigate.find(".//camunda:formField[@id='findings']", NS)
    assert findings is not None
    if chinese:
        assert field_label_zh(investigate, "findings") == "现场检查发现" and findings.get("label") == "Findings"
    else:
        assert findings.get("label") == "Findings on site" and field_label_zh(investigate, "findings") == "调查发现"
    assert node(root, "f2").findtext("bpmn:conditionExpression", namespaces=NS) == \
        'violation_established == True and severity != ""'
    assert node(root, "statement_period_ends").findtext(".//bpmn:timeDuration", namespaces=NS) == "P20D"
    assert properties(node(root, "closed_not_established"))["stage"] == "closure"
    assert properties(node(root, "decide_penalty"))["document"] == "penalty_decision"
    serve = node(root, "serve_decision")
    assert serve.get("name") == "Serve the decision", "the English name is kept"
    assert properties(serve)["name_zh"] == "送达并签收处罚决定书"
    assert "name_en" not in properties(serve), "the session's English name stays in the browser"
    assert properties(node(root, "investigate"))["name_zh"] == "现场调查", "untouched translations are kept"
    assert node(root, "investigate").get("name") == "Investigate the site"
    lane = node(root, "lane_officer")
    assert lane.get("name") == "officer" and "name_zh" not in properties(lane), "an untranslated name stays as it was"

    # the procedures page: two cases still run on version 1, new cases get version 2
    page.goto(f"/admin/procedures#procedure-{key}")
    section = page.locator(f"#procedure-{key}")
    expect(section.locator(".new-cases")).to_contain_text("新立案件使用第 2 版" if chinese else "New cases get version 2")
    assert section.locator("tr[data-version='1'] [data-running]").get_attribute("data-running") == "2"
    assert section.locator("tr[data-version='2'] [data-running]").get_attribute("data-running") == "0"
    expect(section.locator("tr[data-version='1'] .case-counts")).to_contain_text(
        "进行中 2 件" if chinese else "2 running")
    server.open_case(key, "Panel Dumplings")
    page.reload()
    assert section.locator("tr[data-version='2'] [data-running]").get_attribute("data-running") == "1"
    expect(section.locator("tr[data-version='2'] .case-counts")).to_contain_text(
        "新案件使用此版" if chinese else "New cases start here")
    assert page.errors == []
