"""The only writer of audit events: numbered, hash-chained per case (case 0 is the system chain), insert-only.

Each event carries two seals. `hash` is public: sha256 over the previous hash and the event's canonical JSON,
so anyone holding the events recomputes the chain. `tag` is keyed: HMAC-SHA256 of that hash with the
installation's audit key, which lives outside the database, so write access to the database alone cannot add,
rewrite or forge an event that verifies."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timezone
from typing import Any, Iterable

from engine.domain import Actor, EventType
from engine.store import AuditEventRecord, CaseRecord, Session, queries

SYSTEM_CHAIN = 0
GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def instant(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(prev_hash: str, event: AuditEventRecord) -> str:
    """sha256 over the previous hash and a canonical JSON of every field of the event."""
    body = canonical_json({
        "case_id": event.case_id, "seq": event.seq, "occurred_at": instant(event.occurred_at),
        "actor": event.actor, "actor_role": event.actor_role, "event_type": event.event_type,
        "element_id": event.element_id, "procedure_version": event.procedure_version, "payload": event.payload,
    })
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


_text = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes for a str


def row_hash(prev_hash: str, row: tuple) -> str:
    """`event_hash` of a streamed row (engine.store.audit_rows: a tuple whose occurred_at is already the
    instant's text): the same canonical JSON written field by field in sorted key order, without building a
    dict; verification's hot loop."""
    _, case_id, seq, at, actor, role, kind, element, version, payload = row[:10]
    body = (f'{{"actor":{_text(actor)},"actor_role":{_text(role)},"case_id":{int(case_id)},'
            f'"element_id":{"null" if element is None else _text(element)},"event_type":{_text(kind)},'
            f'"occurred_at":{_text(at)},"payload":{_text(payload)},'
            f'"procedure_version":{"null" if version is None else _text(version)},"seq":{int(seq)}}}')
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def event_tag(key: bytes, hash_: str) -> str:
    """The keyed seal of an event: HMAC-SHA256 of its chain hash (which already covers every field and the
    whole chain before it). One HMAC per event: the step's hot path barely notices it."""
    return hmac.digest(key, hash_.encode("ascii"), "sha256").hex()


def tag_is_valid(keys: Iterable[bytes], hash_: str, tag: str | None) -> bool:
    """True when `tag` seals `hash_` under one of `keys` (the current key first, then retired ones)."""
    if not tag:
        return False
    message = hash_.encode("ascii")
    return any(hmac.compare_digest(hmac.digest(key, message, "sha256").hex(), tag) for key in keys)


def record(session: Session, *, key: bytes, case: CaseRecord | None, event_type: EventType | str, actor: Actor,
           now: datetime, element_id: str | None = None, procedure_version: str | None = None,
           payload: dict[str, Any] | None = None, batch: list | None = None) -> AuditEventRecord:
    """Append one event to the case's chain (the caller holds the case row) or to the system chain, sealed
    with `key` (the runtime's audit key). With `batch`, the event is chained now and the caller inserts the
    batch with the rest of its step."""
    if not key:
        raise ValueError("an audit event needs the installation's audit key")
    try:
        kind = EventType(event_type)
    except ValueError:
        raise ValueError(f"unknown audit event type {event_type!r}: event types are engine.domain.EventType") from None
    if case is not None:
        chain, seq, prev = case.id, (case.audit_seq or 0) + 1, case.audit_head or GENESIS
    else:
        queries.lock_system_chain(session)
        last = queries.last_audit_event(session, SYSTEM_CHAIN)
        chain, seq, prev = SYSTEM_CHAIN, (last.seq + 1 if last else 1), (last.hash if last else GENESIS)
    event = AuditEventRecord(case_id=chain, seq=seq, occurred_at=now, actor=actor.username,
                             actor_role=getattr(actor.role, "value", actor.role), event_type=kind.value,
                             element_id=element_id, procedure_version=procedure_version,
                             payload=canonical_json(payload or {}), prev_hash=prev)
    event.hash = event_hash(prev, event)
    event.tag = event_tag(key, event.hash)
    if batch is None:
        queries.insert_audit_events(session, [event])
    else:
        batch.append(event)
    if case is not None:
        case.audit_seq, case.audit_head = seq, event.hash
    return event
