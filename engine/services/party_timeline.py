"""The party's timeline in its own terms: each audit event becomes what happened to them (a notice served, their
statement received, a period ended), read from stage tags, message names and document kinds. Steps that mean
nothing to the party are folded into one "the office worked on your case" entry; nothing about their rights is
left out. Payloads never leave this module: only codes, document kinds and numbers."""
from __future__ import annotations

import json
from typing import Any, Sequence

from engine.domain import EventType, Stage

# A completed step, by the stage it performs -> what the party reads. Internal ones are folded.
STEP_DONE = {
    Stage.FILING.value: "filed", Stage.INVESTIGATION.value: "investigated", Stage.DETERMINATION.value: "internal",
    Stage.EDUCATION.value: "educated", Stage.ORDER_TO_CORRECT.value: "ordered_to_correct",
    Stage.REMEDY_PERIOD.value: "internal", Stage.REINSPECTION.value: "reinspected",
    Stage.RIGHTS_NOTICE.value: "rights_notice_served", Stage.STATEMENT_PERIOD.value: "statement_rechecked",
    Stage.HEARING.value: "hearing_held", Stage.LEGAL_REVIEW.value: "internal",
    Stage.PENALTY_DECISION.value: "penalty_decided", Stage.SERVICE.value: "decision_served",
    Stage.PAYMENT.value: "payment_recorded", Stage.DEMAND.value: "demand_served",
    Stage.JUDICIAL_REFERRAL.value: "referred_to_court", Stage.CLOSURE.value: "internal",
}
# A timer, by the stage whose time it marks -> the period that ended for the party.
PERIOD_ENDED = {Stage.REMEDY_PERIOD.value: "remedy_period_ended",
                Stage.STATEMENT_PERIOD.value: "statement_period_ended", Stage.PAYMENT.value: "payment_period_ended", Stage.DEMAND.value: "demand_period_ended",
                Stage.HEARING.value: "hearing_period_ended"}
MESSAGES = {"statement_received": "you_stated", "hearing_requested": "you_requested_hearing",
            "waiver_received": "you_waived", "fine_paid": "fine_paid"}
CASE_EVENTS = {EventType.CASE_OPENED: "opened", EventType.CASE_CLOSED: "closed", EventType.CASE_CANCELLED: "cancelled",
               EventType.CASE_SUSPENDED: "suspended", EventType.CASE_RESUMED: "resumed"}
READ = frozenset({EventType.TASK_COMPLETED, EventType.EXTERNAL_TASK_COMPLETED, EventType.TIMER_FIRED,
                  EventType.MESSAGE_RECEIVED, EventType.DOCUMENT_SERVED, *CASE_EVENTS})


def party_timeline(events: Sequence[Any], elements: dict[str, Any]) -> list[dict[str, Any]]:
    """Oldest first: {"at", "what", "document", "number", "outcome", "by"}; consecutive internal steps become one."""
    entries: list[dict[str, Any]] = []
    for event in events:
        if event.event_type not in READ:
            continue
        payload = json.loads(event.payload)
        entry = {"at": event.occurred_at.isoformat(), "what": _what(event, payload, elements),
                 "document": payload.get("kind") if event.event_type == EventType.DOCUMENT_SERVED else None,
                 "number": payload.get("number") if event.event_type == EventType.DOCUMENT_SERVED else None,
                 "outcome": payload.get("outcome") if event.event_type == EventType.CASE_CLOSED else None,
                 "by": "you" if event.actor_role == "party" else "office"}
        if entry["what"] is None:
            continue
        if entry["what"] == "internal" and entries and entries[-1]["what"] == "internal":
            entries[-1]["at"] = entry["at"]  # folded: the latest of the run
            continue
        entries.append(entry)
    return entries


def _what(event: Any, payload: dict[str, Any], elements: dict[str, Any]) -> str | None:
    info = elements.get(event.element_id or "")
    stage = info.stage if info is not None else None
    if event.event_type in CASE_EVENTS:
        return CASE_EVENTS[event.event_type]
    if event.event_type == EventType.DOCUMENT_SERVED:
        return "document_served"
    if event.event_type == EventType.MESSAGE_RECEIVED:
        return MESSAGES.get(payload.get("message") or "", "internal")
    if event.event_type == EventType.TIMER_FIRED:
        # a timer on an office task (a service deadline) is the office's own clock: folded, not hidden
        return PERIOD_ENDED.get(stage or "", "internal")
    if info is not None and info.properties.get("waiver") == "true":
        return "you_waived"
    return STEP_DONE.get(stage or "", "internal")
