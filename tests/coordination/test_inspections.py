"""Inspections on both databases: a finding opens its case in the inspection's one transaction, patrols and
findings are on the audit trail, and the case keeps the point it was found at with the cell it lies in."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from engine.audit import SYSTEM_CHAIN
from engine.domain import Actor, InvalidDataError, Role
from engine.services import audit_trail, cases, grid, steps, users
from engine.store import queries
from engine.store.records import CaseRecord, InspectionRecord
from tests.builders import FIXTURES, an_admin, the_notice

INSPECTOR = Actor("ivy", Role.INSPECTOR, "cityscape")
FINDING = {"procedure": "notice", "category": "street_vending", "address": "Huaihai Road 300",
           "lon": 121.478, "lat": 31.225}


@pytest.fixture
def cells(rt):
    users.add_user(rt, username="ivy", password="correct horse", role="inspector", department="cityscape",
                   actor=Actor.system("tests"))
    grid.import_cells(rt, cells=grid.parse_geojson((FIXTURES / "grid.geojson").read_bytes()), actor=an_admin())
    the_notice(rt)


def _counts(rt) -> tuple[int, int]:
    with rt.store.transaction(write=False) as session:
        return (session.scalar(select(func.count()).select_from(CaseRecord)),
                session.scalar(select(func.count()).select_from(InspectionRecord)))


def _system_events(rt, kind: str) -> list[dict]:
    with rt.store.transaction(write=False) as session:
        return [json.loads(e.payload) for e in queries.audit_events(session, SYSTEM_CHAIN) if e.event_type == kind]


def test_a_failure_while_opening_the_case_leaves_neither_case_nor_inspection(rt, cells, monkeypatch):
    before = _counts(rt)

    def broken_save(*args, **kwargs):
        raise RuntimeError("the disk filled up while the case was being written")
    monkeypatch.setattr(steps, "save", broken_save)
    with pytest.raises(RuntimeError):
        grid.record_inspection(rt, actor=INSPECTOR, cell="HP-0412-08", findings="stall on the pavement",
                               open_case=FINDING)
    assert _counts(rt) == before
    assert _system_events(rt, "inspection_recorded") == []


def test_a_failure_writing_the_inspection_leaves_no_orphan_case(rt, cells, monkeypatch):
    """Before the one transaction, the case was committed first and this left it without its inspection."""
    before = _counts(rt)

    def broken_add(*args, **kwargs):
        raise RuntimeError("the inspection row could not be written")
    monkeypatch.setattr(grid.grid, "add_inspection", broken_add)
    with pytest.raises(RuntimeError):
        grid.record_inspection(rt, actor=INSPECTOR, cell="HP-0412-08", findings="stall on the pavement",
                               open_case=FINDING)
    assert _counts(rt) == before


def test_a_failure_auditing_the_patrol_after_the_case_opened_undoes_both(rt, cells, monkeypatch):
    before = _counts(rt)
    record = grid.audit.record

    def refuse_the_patrol(session, **kwargs):
        if kwargs["event_type"] == "inspection_recorded":
            raise RuntimeError("the system chain could not be written")
        return record(session, **kwargs)
    monkeypatch.setattr(grid.audit, "record", refuse_the_patrol)
    with pytest.raises(RuntimeError):
        grid.record_inspection(rt, actor=INSPECTOR, cell="HP-0412-08", findings="stall on the pavement",
                               open_case=FINDING)
    assert _counts(rt) == before


def test_patrols_and_findings_are_audited_and_the_case_names_its_inspection(rt, cells):
    quiet = grid.record_inspection(rt, actor=INSPECTOR, cell="HP-0412-07", findings="")
    found = grid.record_inspection(rt, actor=INSPECTOR, cell="HP-0412-08", findings="stall on the pavement",
                                   photos=["IMG-1"], open_case=FINDING)
    recorded = _system_events(rt, "inspection_recorded")
    assert [(e["inspection"], e["cell"], e["finding"]) for e in recorded] == [
        (quiet.id, "HP-0412-07", False), (found.id, "HP-0412-08", True)]
    findings = _system_events(rt, "finding_recorded")
    assert findings == [{"inspection": found.id, "cell": "HP-0412-08", "findings": "stall on the pavement",
                         "case_no": found.case_no}]
    with rt.store.transaction(write=False) as session:
        opened = [json.loads(e.payload) for e in queries.audit_events(session, found.case_id)
                  if e.event_type == "case_opened"]
        assert session.get(InspectionRecord, found.id).case_id == found.case_id
    assert opened[0]["inspection"] == found.id
    assert audit_trail.verify_audit(rt, actor=an_admin())["ok"]


def test_the_case_keeps_its_point_and_cell(rt, cells):
    found = grid.record_inspection(rt, actor=INSPECTOR, cell="HP-0412-08", findings="stall", open_case=FINDING)
    view = cases.get_case(rt, case_id=found.case_id, actor=an_admin())
    assert view.location == {"address": "Huaihai Road 300", "grid_cell": "HP-0412-08", "lon": 121.478, "lat": 31.225}


def test_a_point_outside_the_inspected_cell_or_half_a_point_is_refused_by_name(rt, cells):
    with pytest.raises(InvalidDataError) as wrong:
        grid.record_inspection(rt, actor=INSPECTOR, cell="HP-0412-07", findings="stall", open_case=FINDING)
    assert wrong.value.details[0]["field"] == "location.grid_cell" and "HP-0412-08" in wrong.value.details[0]["message"]
    with pytest.raises(InvalidDataError) as half:
        grid.record_inspection(rt, actor=INSPECTOR, cell="HP-0412-08", findings="stall",
                               open_case=dict(FINDING, lat=None))
    assert half.value.details[0]["field"] == "location.lat"
    assert _counts(rt)[1] == 0


def test_the_inspector_reports_figure_lists_the_cases_its_findings_opened(rt, cells):
    from datetime import date

    from engine.services import assessment, assessment_cases

    grid.record_inspection(rt, actor=INSPECTOR, cell="HP-0412-07", findings="")
    found = grid.record_inspection(rt, actor=INSPECTOR, cell="HP-0412-08", findings="stall", open_case=FINDING)
    for by, group in (("grid", "HP-0412-08"), ("person", "ivy"), ("department", "cityscape"), ("grid", None)):
        figure = assessment.assess(rt, actor=an_admin(), period="month", day=date(2026, 3, 2), by=by)
        row = figure["total"] if group is None else [g for g in figure["groups"] if g["group"] == group][0]
        listed = assessment_cases.cases_behind(rt, actor=an_admin(), indicator="inspector_report_rate",
                                               period="month", day=date(2026, 3, 2), by=by, group=group)
        assert row["inspector_reports"] == len(listed["cases"]) == 1
        assert listed["cases"][0]["case_no"] == found.case_no
