"""Audit payloads on the timeline are labelled fields in the reader's language, never JSON: a decision's
result, a list of files and a form's nested answer read as words."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from api.web import i18n, payloads


def _history():
    return SimpleNamespace(element_labels={"fine_table": {"en": "Work out the fine", "zh_Hans": "计算罚款"}},
                           forms={"investigate": [{"id": "findings", "type": "string", "label": "Findings",
                                                   "labels": {"zh_Hans": "调查结果"}}]})


def _shown(event) -> str:
    return " ".join(f"{label} = {value}" for label, value in payloads.payload_rows(event, _history()))


@pytest.mark.parametrize("locale, decided, yes", [("en", "Decision table", "Yes"), ("zh_Hans", "决策表", "是")])
def test_nested_payloads_read_as_labelled_words(locale, decided, yes):
    decision = SimpleNamespace(element_id="fine_table", payload={
        "decision": "fine_amount", "result": {"fine": 500, "band": "serious", "repeat": True}})
    deployed = SimpleNamespace(element_id=None, payload={"key": "ordinary", "files": ["a.bpmn", "b.dmn"]})
    answered = SimpleNamespace(element_id="investigate", payload={"data": {"findings": {"where": "pavement",
                                                                                       "items": ["chairs"]}}})
    with i18n.using(locale):
        shown = [_shown(decision), _shown(deployed), _shown(answered)]
    for text in shown:
        assert "{" not in text and "[" not in text and '"' not in text, f"raw JSON on the page: {text}"
    assert f"{decided} = fine_amount" in shown[0]
    assert "<code>fine</code>: 500" in shown[0] and f"<code>repeat</code>: {yes}" in shown[0]
    assert "<code>a.bpmn</code>" in shown[1] and "<code>b.dmn</code>" in shown[1]
    assert "<code>where</code>: pavement" in shown[2] and "<code>items</code>: chairs" in shown[2]
