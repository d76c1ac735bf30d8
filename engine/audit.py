"""The only writer of audit events: numbered, hash-chained per case (case 0 is the system chain), insert-only;
and verification that recomputes every chain and names the first broken event of each."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from engine.domain import Actor
from engine.store import AuditCheckpointRecord, AuditEventRecord, CaseRecord, Session, queries

SYSTEM_CHAIN = 0
GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _instant(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(prev_hash: str, event: AuditEventRecord) -> str:
    """sha256 over the previous hash and a canonical JSON of every field of the event."""
    body = canonical_json({
        "case_id": event.case_id, "seq": event.seq, "occurred_at": _instant(event.occurred_at),
        "actor": event.actor, "actor_role": event.actor_role, "event_type": event.event_type,
        "element_id": event.element_id, "procedure_version": event.procedure_version, "payload": event.payload,
    })
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def record(session: Session, *, case: CaseRecord | None, event_type: str, actor: Actor, now: datetime,
           element_id: str | None = None, procedure_version: str | None = None,
           payload: dict[str, Any] | None = None, batch: list | None = None) -> AuditEventRecord:
    """Append one event to the case's chain (the caller holds the case row) or to the system chain.
    With `batch`, the event is chained now and the caller inserts the batch with the rest of its step."""
    if case is not None:
        chain, seq, prev = case.id, (case.audit_seq or 0) + 1, case.audit_head or GENESIS
    else:
        queries.lock_system_chain(session)
        last = queries.last_audit_event(session, SYSTEM_CHAIN)
        chain, seq, prev = SYSTEM_CHAIN, (last.seq + 1 if last else 1), (last.hash if last else GENESIS)
    event = AuditEventRecord(case_id=chain, seq=seq, occurred_at=now, actor=actor.username,
                             actor_role=getattr(actor.role, "value", actor.role), event_type=event_type,
                             element_id=element_id, procedure_version=procedure_version,
                             payload=canonical_json(payload or {}), prev_hash=prev)
    event.hash = event_hash(prev, event)
    if batch is None:
        queries.insert_audit_events(session, [event])
    else:
        batch.append(event)
    if case is not None:
        case.audit_seq, case.audit_head = seq, event.hash
    return event


# ---- verification ---------------------------------------------------------------------------------

@dataclass
class AuditReport:
    ok: bool = True
    cases: int = 0
    events: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    def add(self, case_id: int, seq: int | None, problem: str, case_no: str | None = None,
            event_id: int | None = None) -> None:
        self.ok = False
        self.problems.append({"case_id": case_id, "case_no": case_no, "seq": seq, "event_id": event_id,
                              "problem": problem})

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "cases": self.cases, "events": self.events, "problems": self.problems}


def _verify_chain(report: AuditReport, chain: int, events: list[AuditEventRecord], case_no: str | None) -> None:
    prev = GENESIS
    for position, event in enumerate(events, start=1):
        if event.seq != position:
            what = "is missing (deleted)" if event.seq > position else "appears twice"
            report.add(chain, position, f"event {position} {what}", case_no, event.id)
            return
        if event.prev_hash != prev:
            report.add(chain, event.seq, f"event {event.seq} does not follow event {event.seq - 1} "
                                         "(reordered, inserted or its predecessor altered)", case_no, event.id)
            return
        if event_hash(prev, event) != event.hash:
            report.add(chain, event.seq, f"event {event.seq} ({event.event_type}) was altered after it was "
                                         "written", case_no, event.id)
            return
        prev = event.hash


def verify(session: Session, *, case_id: int | None = None) -> AuditReport:
    """Recompute every chain (or one case's), compare with the heads on the case rows and the last checkpoint."""
    report = AuditReport()
    heads = queries.case_heads(session, case_id)
    seen: dict[int, int] = {}  # chain -> last seq read
    chain: list[AuditEventRecord] = []

    def finish(chain_events: list[AuditEventRecord]) -> None:
        if not chain_events:
            return
        chain_id = chain_events[0].case_id
        seen[chain_id] = chain_events[-1].seq
        head = heads.get(chain_id)
        report.events += len(chain_events)
        report.cases += chain_id != SYSTEM_CHAIN
        before = len(report.problems)
        _verify_chain(report, chain_id, chain_events, head[2] if head else None)
        if head and len(report.problems) == before:
            last = chain_events[-1]
            if head[0] > last.seq:
                report.add(chain_id, last.seq + 1, f"events {last.seq + 1}..{head[0]} were deleted", head[2])
            elif head[0] < last.seq or head[1] != last.hash:
                report.add(chain_id, last.seq, "the chain does not end where the case says it does "
                                               "(events added or rewritten)", head[2], last.id)

    for event in queries.iter_audit_events(session, case_id=case_id):
        if chain and chain[-1].case_id != event.case_id:
            finish(chain)
            chain = []
        chain.append(event)
    finish(chain)
    for missing, (seq, _, case_no) in heads.items():
        if missing not in seen and seq > 0:
            report.cases += 1
            report.add(missing, 1, f"all {seq} events of the case were deleted", case_no)
    if case_id is None:
        _verify_checkpoint(session, report, seen)
    return report


# ---- checkpoints ----------------------------------------------------------------------------------

def _root(heads: dict[str, list]) -> str:
    key = os.environ.get("DUEFLOW_AUDIT_KEY", "").encode()
    body = canonical_json(heads).encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest() if key else hashlib.sha256(body).hexdigest()


def checkpoint(session: Session, *, now: datetime) -> AuditCheckpointRecord:
    """Record a root over every chain's head (HMAC-signed when DUEFLOW_AUDIT_KEY is set)."""
    heads: dict[str, list] = {}
    for chain_id, (seq, head, _) in queries.case_heads(session).items():
        if seq:
            heads[str(chain_id)] = [seq, head]
    last = queries.last_audit_event(session, SYSTEM_CHAIN)
    if last:
        heads[str(SYSTEM_CHAIN)] = [last.seq, last.hash]
    record_ = AuditCheckpointRecord(created_at=now, chains=len(heads), events=sum(v[0] for v in heads.values()),
                                    heads=heads, root=_root(heads))
    session.add(record_)
    return record_


def _verify_checkpoint(session: Session, report: AuditReport, seen: dict[int, int]) -> None:
    latest = queries.latest_checkpoint(session)
    if latest is None:
        return
    if _root(latest.heads) != latest.root:
        report.add(SYSTEM_CHAIN, None, f"checkpoint {latest.id} was altered")
        return
    for chain_id, (seq, _) in latest.heads.items():
        remaining = seen.get(int(chain_id), 0)
        if remaining < seq:
            report.add(int(chain_id), remaining + 1,
                       f"checkpoint {latest.id} saw {seq} events of this chain; only {remaining} remain")
