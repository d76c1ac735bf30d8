"""Translations written beside a procedure's names: read per locale, and checked for completeness at deploy."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.domain import ProcedureInvalidError
from engine.workflow.parsing import parse_procedure

ORDINARY = Path(__file__).resolve().parents[2] / "processes" / "ordinary_procedure"


def _parse(bpmn: str):
    files = {p.name: p.read_bytes() for p in ORDINARY.iterdir() if p.suffix == ".dmn"}
    return parse_procedure({"ordinary_procedure.bpmn": bpmn.encode(), **files})


def test_names_labels_and_enum_values_are_read_per_locale():
    procedure = _parse((ORDINARY / "ordinary_procedure.bpmn").read_text())
    assert procedure.elements["investigate"].names == {"zh_Hans": "调查取证"}
    severity = next(f for f in procedure.form("investigate") if f.id == "severity").as_dict()
    assert severity["labels"] == {"zh_Hans": "违法情节"}
    assert [o["labels"]["zh_Hans"] for o in severity["options"]] == ["轻微", "一般", "严重"]
    assert not [p for p in procedure.source.problems if p.rule == "TRANSLATION"]


def test_a_procedure_translated_in_part_gets_a_warning_per_missing_text():
    text = (ORDINARY / "ordinary_procedure.bpmn").read_text()
    text = text.replace('<camunda:property name="name_zh" value="调查取证"/>', "")
    text = text.replace('<camunda:property id="value_zh.serious" value="严重"/>', "", 1)
    text = text.replace('<camunda:property id="label_zh" value="理由"/>', "")
    problems = [p for p in _parse(text).source.problems if p.rule == "TRANSLATION"]
    assert {p.severity for p in problems} == {"warning"}
    assert sorted((p.element_id, p.message.split(" has")[0].split(":")[0]) for p in problems) == [
        ("investigate", "'Investigate the case'"), ("investigate", "form field 'severity'"),
        ("recheck_statement", "form field 'recheck_notes'")]


def test_a_default_on_a_choice_that_decides_the_path_is_a_warning():
    text = (ORDINARY / "ordinary_procedure.bpmn").read_text()
    assert not [p for p in _parse(text).source.problems if p.rule == "CONSEQUENTIAL_DEFAULT"]
    defaulted = text.replace('<camunda:formField id="outcome" label="Outcome of the investigation" type="enum">',
                             '<camunda:formField id="outcome" label="Outcome of the investigation" type="enum" '
                             'defaultValue="not_established">')
    problems = [p for p in _parse(defaulted).source.problems if p.rule == "CONSEQUENTIAL_DEFAULT"]
    assert [(p.element_id, p.severity) for p in problems] == [("determine", "warning")]
    assert "'outcome'" in problems[0].message and "not_established" in problems[0].message


def test_a_time_limit_is_read_not_run_and_a_malformed_one_is_refused():
    procedure = _parse((ORDINARY / "ordinary_procedure.bpmn").read_text())
    limit = procedure.elements["decide_penalty"].time_limit
    assert (limit.helper, limit.variable, limit.days) == ("calendar_days_after", "filed_on", 90)
    assert procedure.elements["serve_decision"].time_limit.helper == "working_days_after"
    broken = (ORDINARY / "ordinary_procedure.bpmn").read_text().replace(
        'value="working_days_after(decided_on, 7)"/>', 'value="__import__(\'os\').getcwd()"/>', 1)
    with pytest.raises(ProcedureInvalidError) as refused:
        _parse(broken)
    assert [(p.rule, p.element_id) for p in refused.value.problems if p.rule == "TIME_LIMIT"] == [
        ("TIME_LIMIT", "serve_decision")]
