"""Rights gates: what the engine refuses at run time whatever the BPMN says (PL 44-45, 62, 64; DOMAIN.md).

A penalty decision needs a served rights notice whose statement period has ended (or a recorded waiver),
a re-check of every statement received, and an amount no higher than the notified one; whoever investigated
does not host the hearing or do the legal review. The facts come from the case's own audit trail."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.domain import (DECIDED_AMOUNT_PROPERTY, NOTIFIED_AMOUNT_PROPERTY, Actor, EventType, RightsGateError,
                           SeparationOfDutiesError, Stage)
from engine.store import Session, queries

STATEMENT_MESSAGES = ("statement_received", "hearing_requested")
WAIVER_MESSAGE = "waiver_received"
WAIVER_FIELD = "rights_waived"  # a boolean form field recording a signed waiver
# Versions deployed before procedures declared their amount fields (docs/stages.md) are read by these names;
# the lint refuses a new penalty procedure without the declaration.
LEGACY_DECIDED_FIELDS = ("fine_amount", "penalty_amount", "amount")
LEGACY_NOTIFIED_FIELDS = ("proposed_fine", "notified_fine", "fine_amount")
RECHECK_STAGES = (Stage.STATEMENT_PERIOD.value, Stage.HEARING.value)
SEPARATED_STAGES = (Stage.HEARING.value, Stage.LEGAL_REVIEW.value)


@dataclass
class RightsFacts:
    """What the case's audit trail says, as far as the party's rights are concerned. A new rights notice starts
    the party's rights afresh: its period, waiver and statements replace those of any notice before it."""

    notice_served_at: datetime | None = None  # the latest rights notice (None: none served)
    notified_amount: float | None = None  # the penalty that notice proposed
    statement_period_ends: datetime | None = None  # the deadline set for the party's statements
    statement_period_ended: bool = False  # the statement period's timer fired
    waived: bool = False  # the party waived the rights (message or a form's waiver field)
    statements: int = 0  # statements and hearing requests received since the notice
    statements_rechecked: int = 0  # of them, how many a re-check (statement period or hearing task) covered
    investigators: set[str] = field(default_factory=set)

    @property
    def statements_pending(self) -> int:
        return self.statements - self.statements_rechecked

    def period_over(self, now: datetime) -> bool:
        ends = self.statement_period_ends
        return self.statement_period_ended or (ends is not None and ends <= now)


def _facts(session: Session, step) -> RightsFacts:
    facts, stages = RightsFacts(), {k: v.stage for k, v in step.procedure.elements.items()}
    for event in queries.audit_events(session, step.case.id):
        payload = json.loads(event.payload)
        stage = stages.get(event.element_id)
        if event.event_type == EventType.RIGHTS_NOTICE_SERVED:
            facts = RightsFacts(notice_served_at=event.occurred_at, notified_amount=_number(payload.get("amount")),
                                investigators=facts.investigators)
        elif event.event_type == EventType.DEADLINE_SET and payload.get("stage") == Stage.STATEMENT_PERIOD.value:
            if facts.notice_served_at is not None and payload.get("due_at"):
                facts.statement_period_ends = datetime.fromisoformat(payload["due_at"])
        elif event.event_type == EventType.TIMER_FIRED and stage == Stage.STATEMENT_PERIOD.value:
            facts.statement_period_ended = True
        elif event.event_type == EventType.MESSAGE_RECEIVED:
            if payload.get("message") in STATEMENT_MESSAGES:
                facts.statements += 1
            elif payload.get("message") == WAIVER_MESSAGE:
                facts.waived = True
        elif event.event_type == EventType.TASK_COMPLETED:
            if stage in RECHECK_STAGES:
                facts.statements_rechecked = facts.statements
            if stage == Stage.INVESTIGATION.value:
                facts.investigators.add(event.actor)
            if (payload.get("data") or {}).get(WAIVER_FIELD) is True:
                facts.waived = True
    return facts


def _number(value: Any) -> float | None:
    """An amount as recorded: a number (not a boolean), else None."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _amount(data: dict[str, Any], names) -> float | None:
    for name in names:
        value = data.get(name)
        if isinstance(value, bool):
            continue
        if isinstance(value, str):  # free data (no form) may carry "500"
            try:
                value = float(value)
            except ValueError:
                continue
        if isinstance(value, (int, float)):
            return value
    return None


def _fields(step, prop: str, legacy: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    """The variable the procedure declares for an amount (and True), or the legacy names (and False)."""
    declared = step.procedure.source.process_properties.get(prop, "").strip()
    return ((declared,), True) if declared else (legacy, False)


def check_task(session: Session, step, element_id: str, data: dict[str, Any], actor: Actor,
               now: datetime) -> list[tuple[EventType, dict[str, Any]]]:
    """Refuse (raise) a completion that would skip a right; return audit events the completion must add."""
    info = step.procedure.elements.get(element_id)
    stage = info.stage if info else None
    if stage not in (Stage.PENALTY_DECISION.value, Stage.RIGHTS_NOTICE.value) + SEPARATED_STAGES:
        return []
    if stage == Stage.RIGHTS_NOTICE.value:
        amount = _amount({**step.run.data, **data}, _fields(step, NOTIFIED_AMOUNT_PROPERTY, LEGACY_NOTIFIED_FIELDS)[0])
        return [(EventType.RIGHTS_NOTICE_SERVED, {"amount": amount, "served_on": data.get("served_on")})]
    facts = _facts(session, step)
    if stage in SEPARATED_STAGES:
        if actor.username in facts.investigators:
            raise SeparationOfDutiesError(
                f"{actor.username} investigated this case and may not do its {stage.replace('_', ' ')} (PL 43, 64)")
        return []
    if facts.notice_served_at is None:
        raise RightsGateError("no penalty without a served rights notice: serve the notice of the proposed "
                              "penalty and the rights to state, defend and ask for a hearing first (PL 44, 62)")
    if not facts.period_over(now) and not facts.waived:
        due = facts.statement_period_ends
        when = f" (it ends {due.isoformat()})" if due else ""
        raise RightsGateError(f"the party's statement period has not ended{when} and no waiver is recorded (PL 44)")
    if facts.statements_pending:
        raise RightsGateError(f"{facts.statements_pending} statement(s) of the party have no recorded re-check "
                              "(PL 45: hear and re-check before deciding)")
    names, declared = _fields(step, DECIDED_AMOUNT_PROPERTY, LEGACY_DECIDED_FIELDS)
    # the declared field is read wherever the procedure put it (this form, or the case's data before it)
    decided = _amount({**step.run.data, **data} if declared else data, names)
    notified = facts.notified_amount
    if declared and decided and notified is None:
        raise RightsGateError(f"the decided penalty {decided:g} has no notified amount to stay within: the rights "
                              "notice recorded none; serve a notice stating the proposed penalty (PL 44-45)")
    if decided is not None and notified is not None and decided > notified:
        raise RightsGateError(f"the decided penalty {decided} exceeds the notified {notified}; serve a new "
                              "rights notice to raise it (PL 45: no heavier penalty for defending oneself)")
    return []


def rights_had(session: Session, step, now: datetime) -> set[str]:
    """The rights the party has already had, as the lint names them (engine.policy.positions): a served rights
    notice ("notice"), and a statement period that has run or was waived ("statement")."""
    facts, had = _facts(session, step), set()
    if facts.notice_served_at is not None:
        had.add("notice")
        if facts.waived or facts.period_over(now):
            had.add("statement")
    return had
