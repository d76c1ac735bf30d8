"""Use cases on whole cases: open, read, list, deliver a message, cancel."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine import forms, values
from engine.domain import (Actor, CaseNotFoundError, CaseNotOpenError, CaseStatus, ForbiddenError, InvalidDataError,
                           MessageNotExpectedError, ProcedureNotFoundError, Role)
from engine.domain import EventType
from engine.services import access, audit_trail, incidents, steps, views
from engine.services.runtime import Runtime
from engine.services.views import CaseView
from engine.store import CaseRecord, PartyAccessRecord, queries

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
PARTY_TYPES = ("person", "organisation")


def mask_identity(number: str) -> str:
    """Keep the first 3 and last 4 characters of an identity number; the rest never reaches the database."""
    number = (number or "").strip()
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def hash_access_code(*, secret: bytes, case_no: str, code: str) -> str:
    """The stored form of a party's access code: an HMAC keyed with the installation's secret (no fallback)."""
    if not secret:
        raise ValueError("hashing an access code needs the installation's secret")
    normalized = code.replace("-", "").replace(" ", "").upper()
    return hmac.new(secret, f"{case_no}:{normalized}".encode(), hashlib.sha256).hexdigest()


def _new_access_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _case_fields(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split what the opener sends into case columns and process variables; refuse what is malformed."""
    values.check_json_value(data, path="")
    errors: dict[str, str] = {}
    party = data.get("party") or {}
    location = data.get("location") or {}
    if not isinstance(party, dict):
        errors["party"] = "must be an object with name, type, contact, id_number"
        party = {}
    if not isinstance(location, dict):
        errors["location"] = "must be an object with address and grid_cell"
        location = {}
    party_type = party.get("type") or "person"
    if party_type not in PARTY_TYPES:
        errors["party.type"] = f"must be one of: {', '.join(PARTY_TYPES)}"
    variables = {}
    for name, value in data.items():
        if name in ("party", "location"):
            continue
        if not _NAME.match(str(name)):
            errors[str(name)] = "a variable name must start with a letter and hold only letters, digits and _"
        elif name == steps.RESPONSIBLE_DEPARTMENT:
            # the department is `department` of the request; only a dispatch moves a case (steps.save)
            errors[name] = "a case changes department only when a dispatcher hands it over; open it in yours"
        elif not isinstance(value, (str, int, float, bool, type(None), list, dict)):
            errors[str(name)] = "must be a JSON value"
        else:
            variables[name] = value
    # These go into 64-character columns: refuse longer ones (PostgreSQL would fail the insert with a 500).
    for field_name, value in (("category", variables.get("category")), ("location.grid_cell", location.get(
            "grid_cell")), ("party.id_number", party.get("id_number"))):
        if value not in (None, "") and (isinstance(value, (dict, list)) or len(str(value)) > 64):
            errors[field_name] = "at most 64 characters of text"
    if errors:
        raise InvalidDataError.for_fields(errors)
    columns = {"party_name": str(party.get("name") or "")[:300], "party_type": party_type,
               "party_contact": str(party.get("contact") or "")[:300],
               "party_id_masked": mask_identity(str(party.get("id_number") or "")),
               "address": str(location.get("address") or "")[:500],
               "grid_cell": str(location.get("grid_cell")) if location.get("grid_cell") else None,
               "category": str(variables.get("category")) if variables.get("category") else None}
    return columns, variables


def _check_category(properties: dict[str, str], category: str | None) -> None:
    """A procedure that declares its case categories (process property `categories`) takes only those:
    its discretion table has no rule for any other, and a case without a proposed penalty has no cap."""
    declared = [c.strip() for c in (properties.get("categories") or "").split(",") if c.strip()]
    if declared and category not in declared:
        raise InvalidDataError.for_fields({"category": f"must be one of: {', '.join(declared)}"})


def open_case(rt: Runtime, *, procedure: str, data: dict[str, Any], actor: Actor,
              department: str | None = None) -> CaseView:
    """Open a case on the newest active version of a procedure and run it to its first wait."""
    prepared = prepare_case(rt, data=data, actor=actor, department=department)
    with rt.store.transaction() as session:
        return open_case_in(session, rt, procedure=procedure, prepared=prepared, actor=actor, now=rt.now())


def prepare_case(rt: Runtime, *, data: dict[str, Any], actor: Actor,
                 department: str | None = None) -> dict[str, Any]:
    """Check who opens what before any write: the case's columns (a point is placed in its grid cell) and
    variables, refused naming the field."""
    access.require_role(actor, access.CASE_OPENERS, "open cases")
    department = department or actor.department
    if not department:
        raise InvalidDataError.for_fields({"department": "a case needs a responsible department"})
    if actor.department and department != actor.department and access.departments_visible(actor) is not None:
        raise ForbiddenError("you may open cases only for your own department")
    columns, variables = _case_fields(data or {})
    columns["lon"], columns["lat"] = _point((data or {}).get("location"))
    if columns["lon"] is not None:  # a point is placed in its grid cell, and must agree with a cell given
        from engine.services import grid

        found = grid.locate(rt, lon=columns["lon"], lat=columns["lat"])
        if columns["grid_cell"] is None:
            columns["grid_cell"] = found
        elif found is not None and found != columns["grid_cell"]:
            raise InvalidDataError.for_fields({"location.grid_cell": f"the point lies in cell {found}, not in "
                                                                     f"{columns['grid_cell']}"})
    return {"department": department, "columns": columns, "variables": variables}


def _point(location: Any) -> tuple[float | None, float | None]:
    """The location's point (lon, lat as the grid import reads GeoJSON), or (None, None) without one; a half or
    out-of-range point is refused naming the field."""
    if not isinstance(location, dict) or (location.get("lon") in (None, "") and location.get("lat") in (None, "")):
        return None, None
    errors = {}
    point = []
    for name, limit in (("lon", 180), ("lat", 90)):
        value = location.get(name)
        try:
            if value is None or isinstance(value, bool):
                raise ValueError
            number = float(value)
            if not -limit <= number <= limit:
                raise ValueError
            point.append(number)
        except (TypeError, ValueError):
            errors[f"location.{name}"] = f"a number from -{limit} to {limit} (lon and lat come together)"
    if errors:
        raise InvalidDataError.for_fields(errors)
    return point[0], point[1]


def open_case_in(session: Any, rt: Runtime, *, procedure: str, prepared: dict[str, Any], actor: Actor,
                 now: datetime, **opening: Any) -> CaseView:
    """Open a prepared case inside the caller's transaction (a finding opens its case in the inspection's);
    `opening` adds to the case_opened event (e.g. the inspection it came from)."""
    department, columns = prepared["department"], prepared["columns"]
    variables = dict(prepared["variables"])
    version = queries.latest_procedure(session, procedure)
    if version is None:
        raise ProcedureNotFoundError(f"no active procedure '{procedure}'")
    parsed = rt.procedure(version)
    _check_category(parsed.source.process_properties, columns["category"])
    variables.update(_start_form(parsed.source.start_form, variables))
    case = CaseRecord(procedure_version_id=version.id, department=department, opened_by=actor.username,
                      opened_at=now, status=CaseStatus.OPEN.value, workflow_state="", deadlines=[],
                      audit_seq=0, audit_head="", row_version=1, **columns)
    queries.insert_case(session, case)
    case.case_no = f"{now.year}-{case.id:06d}"
    queries.set_case_no(session, case.id, case.case_no)
    variables.update(case_no=case.case_no, department=department, party_name=case.party_name,
                     party_type=case.party_type)
    run, changes = rt.start_run(parsed, variables, now)
    step = steps.Step(case, parsed, f"{version.key}:{version.version}", run, runtime=rt,
                      audit_key=rt.settings.audit_key)
    code = _new_access_code()
    session.add(PartyAccessRecord(case_id=case.id, code_hash=hash_access_code(
        secret=rt.settings.secret, case_no=case.case_no, code=code), created_at=now))
    steps.record(session, step, EventType.CASE_OPENED, actor, now, None, case_no=case.case_no,
                 procedure=version.key, version=version.version, department=department,
                 category=case.category, party={"name": case.party_name, "type": case.party_type,
                                                "id_number": case.party_id_masked},
                 location=views.location_of(case), **opening)
    steps.save(session, step, changes, actor=actor, now=now)
    view = steps.case_view(session, step)
    view.access_code = code
    return view


def _start_form(fields: list[forms.FormField], variables: dict[str, Any]) -> dict[str, Any]:
    """The start event's form fields (camunda:formData) among the opener's data, typed and with defaults;
    a missing required field or a bad value is refused naming the field. Other data passes as before."""
    if not fields:
        return {}
    return forms.validate(fields, {f.id: variables[f.id] for f in fields if f.id in variables})


def get_case(rt: Runtime, *, case_id: int, actor: Actor, with_data: bool = True) -> CaseView:
    with rt.store.transaction(write=False) as session:
        case = queries.case(session, case_id)
        if case is None:
            raise CaseNotFoundError(f"no case {case_id}")
        access.require_case_readable(session, actor, case)
        procedure, label = rt.procedure_by_version_id(session, case.procedure_version_id)
        step = steps.Step(case, procedure, label, rt.load_run(procedure, case.workflow_state))
        return steps.case_view(session, step, with_data=with_data)


@dataclass
class CaseList:
    """A page of case summaries, how many match (counted up to 1,000, `capped` beyond it) and the
    cursor of the next page (the last case's id, None on the last page)."""
    items: list[dict[str, Any]]
    total: int
    capped: bool
    next: int | None


def search_cases(rt: Runtime, *, actor: Actor, status: str | None = None, stage: str | None = None,
                 department: str | None = None, grid_cell: str | None = None, text: str | None = None,
                 category: str | None = None, due_before: datetime | None = None,
                 after: int | None = None, limit: int = 50) -> CaseList:
    """Cases the actor may see, newest first, filtered; paged by keyset (`after` = the previous page's next)."""
    visible = access.departments_visible(actor)
    if department:
        if visible is not None and department not in visible:
            raise ForbiddenError("you may list only your own department's cases")
        visible = [department]
    limit = min(limit, 200)
    with rt.store.transaction(write=False) as session:
        rows, total, capped = queries.find_cases(session, departments=visible, status=status, stage=stage,
                                                 grid_cell=grid_cell, text_query=text, category=category,
                                                 due_before=due_before, after=after, limit=limit + 1)
    items = [_summary(row) for row in rows[:limit]]
    return CaseList(items=items, total=total, capped=capped, next=items[-1]["id"] if len(rows) > limit else None)


def list_cases(rt: Runtime, *, actor: Actor, **filters: Any) -> tuple[list[dict[str, Any]], int]:
    """The first page of search_cases() and its (capped) count, for callers that need no paging."""
    found = search_cases(rt, actor=actor, **filters)
    return found.items, found.total


def _summary(case: Any) -> dict[str, Any]:
    return {"id": case.id, "case_no": case.case_no, "status": case.status, "stage": case.stage,
            "outcome": case.outcome, "category": case.category, "department": case.department,
            "party_name": case.party_name, "address": case.address, "grid_cell": case.grid_cell,
            "opened_at": case.opened_at.isoformat(), "next_due_at": case.next_due_at.isoformat()
            if case.next_due_at else None}


def deliver_message(rt: Runtime, *, case_id: int, name: str, payload: dict[str, Any] | None,
                    actor: Actor) -> CaseView:
    """Deliver a BPMN message (a payment, a statement) to a case that waits for it."""
    values.check_json_value(payload or {}, path="payload")
    now = rt.now()
    with rt.store.transaction() as session:
        step = steps.load(rt, session, case_id)
        if access.role_of(actor) != Role.PARTY:  # a party's token opens its own case only
            access.require_case_readable(session, actor, step.case)
        access.require_message_sender(actor, name, step.case.department)
        _require_open(step.case)
        changes = step.run.step(now)
        if name not in step.run.waiting_messages():
            raise MessageNotExpectedError(f"case {step.case.case_no} is not waiting for '{name}' now")
        try:
            changes += step.run.deliver(name, dict(payload or {}), now)
        except incidents.STEP_FAILURES as failure:
            failed = failure  # nothing of the failed step is kept; its failure is audited and waits as an incident
            incidents.record_failure(session, step, failure, actor=actor, now=now, element_id=None,
                                     action={"kind": "message", "name": name, "payload": dict(payload or {})})
            steps.save(session, step, changes, actor=actor, now=now)
        else:
            steps.save(session, step, changes, actor=actor, now=now, message_payload=dict(payload or {}))
            return steps.case_view(session, step)
    raise failed


def run_engine(rt: Runtime, *, case_id: int, actor: Actor) -> CaseView:
    """Fire what is due and run the engine to the case's next wait (an admin retrying a failed timer step)."""
    now = rt.now()
    with rt.store.transaction() as session:
        step = _open_case_step(rt, session, case_id, actor)
        try:
            changes = step.run.step(now)
        except incidents.STEP_FAILURES as failure:
            failed = failure
            incidents.record_failure(session, step, failure, actor=actor, now=now, element_id=None,
                                     action={"kind": "timer"})
            steps.save(session, step, [], actor=actor, now=now)
        else:
            steps.save(session, step, changes, actor=actor, now=now)
            return steps.case_view(session, step)
    raise failed


def cancel_case(rt: Runtime, *, case_id: int, reason: str, actor: Actor) -> CaseView:
    access.require_role(actor, access.CASE_CANCELLERS, "cancel cases")
    reason = _reason(reason, "cancelled")
    now = rt.now()
    with rt.store.transaction() as session:
        step = _open_case_step(rt, session, case_id, actor)
        step.run.cancel()
        step.case.status, step.case.closed_at, step.case.outcome = CaseStatus.CANCELLED.value, now, "cancelled"
        steps.record(session, step, EventType.CASE_CANCELLED, actor, now, None, reason=reason)
        steps.save(session, step, [], actor=actor, now=now)
        return steps.case_view(session, step)


def suspend_case(rt: Runtime, *, case_id: int, reason: str, actor: Actor) -> CaseView:
    """Suspend a case (e.g. during a challenge): its timers stop and its legal periods do not run."""
    access.require_role(actor, access.CASE_CANCELLERS, "suspend cases")
    reason = _reason(reason, "suspended")
    now = rt.now()
    with rt.store.transaction() as session:
        step = _open_case_step(rt, session, case_id, actor)
        changes = step.run.step(now)  # what was already due happens before the pause
        step.case.status, step.case.suspended_at = CaseStatus.SUSPENDED.value, now
        steps.record(session, step, EventType.CASE_SUSPENDED, actor, now, None, reason=reason)
        steps.save(session, step, changes, actor=actor, now=now)
        return steps.case_view(session, step)


def resume_case(rt: Runtime, *, case_id: int, actor: Actor) -> CaseView:
    """Resume a suspended case; every waiting deadline moves later by the time the case was suspended."""
    access.require_role(actor, access.CASE_CANCELLERS, "resume cases")
    now = rt.now()
    with rt.store.transaction() as session:
        step = steps.load(rt, session, case_id)
        access.require_case_readable(session, actor, step.case)
        access.require_can_act_on_case(actor, step.case.department)
        if step.case.status != CaseStatus.SUSPENDED.value:
            raise CaseNotOpenError(f"case {step.case.case_no} is {step.case.status}, not suspended")
        paused = now - (step.case.suspended_at or now)  # a suspension recorded without its instant paused nothing
        step.run.shift_timers(paused)
        step.case.status, step.case.suspended_at = CaseStatus.OPEN.value, None
        step.case.deadlines = []  # re-announced below with their new due dates
        steps.record(session, step, EventType.CASE_RESUMED, actor, now, None, paused_seconds=int(paused.total_seconds()))
        steps.save(session, step, [], actor=actor, now=now)
        return steps.case_view(session, step)


def _reason(reason: str | None, what: str) -> str:
    """A supervisor's act on a whole case states its reason, which goes on the record."""
    if reason is None or not reason.strip():
        raise InvalidDataError.for_fields({"reason": f"say why the case is {what}"})
    return reason.strip()


def _open_case_step(rt: Runtime, session, case_id: int, actor: Actor) -> steps.Step:
    """The locked step of an open case the actor's department may change."""
    step = steps.load(rt, session, case_id)
    access.require_case_readable(session, actor, step.case)
    access.require_can_act_on_case(actor, step.case.department)
    _require_open(step.case)
    return step


def _require_open(case: CaseRecord) -> None:
    if case.status != CaseStatus.OPEN.value:
        raise CaseNotOpenError(f"case {case.case_no} is {case.status}")


def case_audit(rt: Runtime, *, case_id: int, actor: Actor) -> list[dict[str, Any]]:
    """The case's audit events with their hashes, oldest first."""
    with rt.store.transaction(write=False) as session:
        case = queries.case(session, case_id)
        if case is None:
            raise CaseNotFoundError(f"no case {case_id}")
        access.require_case_readable(session, actor, case)
        return [{"seq": e.seq, "occurred_at": e.occurred_at.isoformat(), "actor": e.actor,
                 "actor_role": e.actor_role, "event_type": e.event_type, "element_id": e.element_id,
                 "procedure_version": e.procedure_version, "payload": json.loads(e.payload),
                 "prev_hash": e.prev_hash, "hash": e.hash} for e in queries.audit_events(session, case_id)]


def checkpoint_audit(rt: Runtime, *, actor: Actor) -> dict[str, Any]:
    """Sign a root over every chain's head now (engine.services.audit_trail), even when nothing changed."""
    return audit_trail.take_checkpoint(rt, actor=actor) or {}


def verify_audit(rt: Runtime, *, actor: Actor, case_id: int | None = None) -> dict[str, Any]:
    return audit_trail.verify_audit(rt, actor=actor, case_id=case_id)
