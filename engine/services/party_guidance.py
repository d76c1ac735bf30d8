"""What the party must do now, by when, and what comes next: read from the case's stage tags, its waiting
deadlines and its recorded facts (amounts, the order to correct, statements), never from task names, so every
procedure tagged with stages gets it. A procedure may add its own words per element (`party_guidance`)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Sequence
from zoneinfo import ZoneInfo

from engine.domain import DECIDED_AMOUNT_PROPERTY, EventType, Stage

GUIDANCE_PROPERTY = "party_guidance"  # + `party_guidance_zh`, checked at deploy (engine.bpmn.translations)
SURCHARGE_RATE = 0.03  # of the fine per day late, capped at the fine itself (PL 72; CL 45)
STATEMENTS = ("statement_received", "hearing_requested")
_LEGACY_DECIDED = ("fine_amount", "penalty_amount", "amount")
# Stages that share the party's situation: the order and the period to correct read as one.
_SITUATION = {Stage.ORDER_TO_CORRECT.value: "remedy_period", Stage.RIGHTS_NOTICE.value: "statement_period"}
# Before a decision: a statement received changes what the party reads until the office decides.
_BEFORE_DECISION = frozenset({Stage.RIGHTS_NOTICE.value, Stage.STATEMENT_PERIOD.value, Stage.HEARING.value,
                              Stage.LEGAL_REVIEW.value, Stage.DETERMINATION.value, Stage.PENALTY_DECISION.value})
# Which waiting deadline is the party's own at a stage (the periods a party lives by are timers, not tasks).
_DUE_STAGE = {"remedy_period": Stage.REMEDY_PERIOD.value, "statement_period": Stage.STATEMENT_PERIOD.value,
              "payment": Stage.PAYMENT.value, "demand": Stage.DEMAND.value}
_DOCUMENT_PERIOD = {"remedy_period": "correction", "statement_period": "statement_and_hearing_request",
                    "payment": "payment"}


@dataclass
class Guidance:
    """The party's situation (a stage code, or `statement_received`, `closed`...) and the facts its words need."""

    situation: str
    stage: str | None = None
    due_at: str | None = None  # what the party must do by (UTC ISO)
    office_due_at: str | None = None  # what the office must do by, where the procedure times it
    amount: float | None = None  # the notified fine before the decision, the decided one after
    surcharge_per_day: float | None = None
    surcharge_from: str | None = None  # the first day a surcharge runs (ISO date)
    orders: list[dict[str, Any]] = field(default_factory=list)  # the order to correct, field by field
    custom: dict[str, str] = field(default_factory=dict)  # locale -> the procedure's own text ("" = as written)


def guidance_texts(properties: dict[str, str]) -> dict[str, str]:
    """An element's own party guidance: "" -> as written (`party_guidance`), "zh_Hans" -> `party_guidance_zh`."""
    texts = {"": properties.get(GUIDANCE_PROPERTY, "").strip(),
             "zh_Hans": properties.get(f"{GUIDANCE_PROPERTY}_zh", "").strip()}
    return {locale: text for locale, text in texts.items() if text}


def party_guidance(*, case: Any, procedure: Any, data: dict[str, Any], events: Sequence[Any], ready: Sequence[Any],
                   documents: list[dict[str, Any]], timezone: str) -> Guidance:
    """The guidance for the case as it stands (case, its audit events, READY task rows, served documents)."""
    if case.status in ("closed", "cancelled", "suspended"):
        return Guidance(situation=case.status, stage=case.stage)
    stage = case.stage or ""
    situation = _SITUATION.get(stage, stage or "waiting")
    facts = _facts(events, procedure.elements)
    # at a hearing the party is told to attend it; elsewhere before the decision, that its words are re-checked
    if stage in _BEFORE_DECISION - {Stage.HEARING.value} and facts["statement_at"] and not facts["decided"]:
        situation = "statement_received"
    guidance = Guidance(situation=situation, stage=case.stage)
    guidance.due_at = _party_due(situation, case.deadlines or [], documents)
    office_due = sorted(t.due_at for t in ready if t.due_at is not None)
    guidance.office_due_at = office_due[0].isoformat() if office_due else None
    if situation in ("statement_period", "statement_received", "hearing", "legal_review", "penalty_decision"):
        guidance.amount = facts["notified"]
    elif situation in ("service", "payment", "demand", "judicial_referral"):
        guidance.amount = _decided(procedure, data)
    if situation == "payment" and guidance.amount and guidance.due_at:
        guidance.surcharge_per_day = round(guidance.amount * SURCHARGE_RATE, 2)
        guidance.surcharge_from = (_local_day(guidance.due_at, timezone) + timedelta(days=1)).isoformat()
    if situation in ("remedy_period", "reinspection"):
        guidance.orders = _orders(procedure, facts["order"])
    guidance.custom = _custom(procedure, case, ready)
    return guidance


def _facts(events: Sequence[Any], elements: dict[str, Any]) -> dict[str, Any]:
    """From the audit trail: the notified amount, the latest statement since the notice, the order to correct."""
    facts: dict[str, Any] = {"notified": None, "statement_at": None, "decided": False, "order": None}
    for event in events:
        stage = elements[event.element_id].stage if event.element_id in elements else None
        if event.event_type == EventType.RIGHTS_NOTICE_SERVED:
            amount = json.loads(event.payload).get("amount")
            facts.update(notified=amount if isinstance(amount, (int, float)) and not isinstance(amount, bool)
                         else None, statement_at=None, decided=False)
        elif event.event_type == EventType.MESSAGE_RECEIVED and json.loads(event.payload).get("message") in STATEMENTS:
            facts["statement_at"] = event.occurred_at.isoformat()
        elif event.event_type == EventType.TASK_COMPLETED and stage == Stage.PENALTY_DECISION.value:
            facts["decided"] = True
        elif event.event_type == EventType.TASK_COMPLETED and stage == Stage.ORDER_TO_CORRECT.value:
            facts["order"] = (event.element_id, json.loads(event.payload).get("data") or {})
    return facts


def _party_due(situation: str, deadlines: list[dict[str, Any]], documents: list[dict[str, Any]]) -> str | None:
    """The party's own deadline now: the waiting timer of the stage, else the period its served document started."""
    wanted = _DUE_STAGE.get(situation)
    for deadline in deadlines:
        if not deadline.get("task") and wanted and deadline.get("stage") == wanted:
            return str(deadline["due_at"])
    period = _DOCUMENT_PERIOD.get(situation)
    for document in reversed(documents):
        if period and document.get("periods", {}).get(period):
            return str(document["periods"][period])
    return None


def _decided(procedure: Any, data: dict[str, Any]) -> float | None:
    declared = procedure.source.process_properties.get(DECIDED_AMOUNT_PROPERTY)
    for name in ([declared] if declared else list(_LEGACY_DECIDED)):
        value = data.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
    return None


def _orders(procedure: Any, order: tuple[str, dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The order to correct as the officer wrote it: each field of the order task's form with its labels."""
    if order is None:
        return []
    element_id, submitted = order
    return [{"label": f.label or f.id, "labels": f.labels, "value": submitted[f.id], "type": f.type,
             "options": {i: {"": n, **{loc: names.get(i, n) for loc, names in f.option_labels.items()}}
                         for i, n in f.options}}
            for f in procedure.form(element_id) if submitted.get(f.id) not in (None, "")]


def _custom(procedure: Any, case: Any, ready: Sequence[Any]) -> dict[str, str]:
    """The procedure's own words for the current stage, from the READY task or the waiting timer carrying it."""
    elements = procedure.elements
    current = [t.element_id for t in ready] + [d.get("element_id") for d in case.deadlines or []]
    for element_id in current:
        info = elements.get(element_id)
        if info is not None and info.stage == case.stage and guidance_texts(info.properties):
            return guidance_texts(info.properties)
    return {}


def _local_day(instant: str, timezone: str) -> date:
    """The last day of a period ending at `instant`, where the agency is: a period ending at midnight ends with
    the day before it."""
    moment = datetime.fromisoformat(instant)
    local = moment.astimezone(ZoneInfo(timezone)) if moment.tzinfo else moment
    return (local - timedelta(microseconds=1)).date()
