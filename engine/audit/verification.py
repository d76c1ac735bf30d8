"""Verification: recompute every chain and its keyed tags, compare each chain with the head its case row
records and with the newest signed checkpoint, and compare the database's checkpoints with the witness file.
Each chain's first problem is named; a checkpoint that is forged, altered or missing is named too."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from engine.audit.chain import SYSTEM_CHAIN, instant
from engine.audit.checkpoints import entry, read_witness, signature_is_valid
from engine.audit.merkle import heads_leaves, merkle_root
from engine.audit.walk import Walk
from engine.store import AuditCheckpointRecord, Session, audit_rows, queries
from engine.store.audit_rows import CASE_ID

PROGRESS_EVERY = 100_000


@dataclass
class AuditReport:
    ok: bool = True
    cases: int = 0
    events: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    checkpoint: dict[str, Any] | None = None  # the newest signed checkpoint the chains were compared with
    since_checkpoint: int | None = None  # incremental: only what was written after this checkpoint was checked

    def add(self, case_id: int, seq: int | None, problem: str, case_no: str | None = None,
            event_id: int | None = None, checkpoint_id: int | None = None) -> None:
        self.ok = False
        self.problems.append({"case_id": case_id, "case_no": case_no, "seq": seq, "event_id": event_id,
                              "checkpoint_id": checkpoint_id, "problem": problem})

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "cases": self.cases, "events": self.events, "problems": self.problems,
                "checkpoint": self.checkpoint, "since_checkpoint": self.since_checkpoint}


@dataclass(frozen=True)
class Keys:
    """What verification trusts, all from outside the database: HMAC keys (current first, then retired) and
    checkpoint public keys by key id."""

    audit_keys: tuple[bytes, ...]
    public_keys: dict[str, str]


def verify(session: Session, *, keys: Keys, witness: Path | None = None, case_id: int | None = None,
           progress: Callable[[int], None] | None = None) -> AuditReport:
    """Recompute every chain (or one case's) with its tags; compare with the case rows, the newest signed
    checkpoint and (for the whole log) the witness file. Events and case rows are streamed in chain order and
    merged, so memory does not grow with the log (only the signed heads, one per chain, are held).
    `progress` is called with the events read so far."""
    report = AuditReport()
    signed = newest_signed_checkpoint(session, report, keys)
    if case_id is None:
        compare_witness(session, report, keys, witness)
    signed_heads = signed.heads if signed is not None else {}
    checkpoint_id = signed.id if signed is not None else None
    heads = _Peek(audit_rows.stream_case_heads(session, case_id))
    signed_ids = iter(sorted(int(c) for c in signed_heads if case_id is None or int(c) == case_id))
    pending_signed = _Peek(signed_ids)

    def without_events(upto: float) -> None:
        """Cases and signed chains with an id below `upto` that have no event at all."""
        while True:
            case, chain = heads.peek(), pending_signed.peek()
            lowest = min(case[0] if case else _END, chain if chain is not None else _END)
            if lowest >= upto:
                return
            deleted = False
            if case and case[0] == lowest:
                heads.take()
                if case[1] > 0:
                    deleted = True
                    report.cases += 1
                    report.add(case[0], 1, f"all {case[1]} events of the case were deleted", case[3])
            if chain == lowest:
                pending_signed.take()
                if not deleted:
                    report.add(chain, 1, f"checkpoint {checkpoint_id} saw {signed_heads[str(chain)][0]} events of "
                                         "this chain; only 0 remain", checkpoint_id=checkpoint_id)

    walk: Walk | None = None
    head: tuple[int, str] | None = None

    def finish(done: Walk) -> None:
        problem = done.finish(head)
        if problem is not None:
            report.add(done.chain, problem[0], problem[1], done.case_no, problem[2], problem[3])

    audit_keys, events, every = keys.audit_keys, 0, PROGRESS_EVERY
    for row in audit_rows.stream_events(session, case_id=case_id):
        if walk is None or row[CASE_ID] != walk.chain:
            if walk is not None:
                finish(walk)
            chain = row[CASE_ID]
            without_events(chain)
            case = heads.take() if (heads.peek() or (None,))[0] == chain else None
            if pending_signed.peek() == chain:
                pending_signed.take()
            head = (case[1], case[2]) if case else None
            report.cases += chain != SYSTEM_CHAIN
            mark = signed_heads.get(str(chain))
            walk = Walk(chain, case[3] if case else None, signed=(mark[0], mark[1]) if mark else None,
                        checkpoint_id=checkpoint_id)
        walk.step(audit_keys, row)
        events += 1
        if progress is not None and events % every == 0:
            progress(events)
    report.events = events
    if walk is not None:
        finish(walk)
    without_events(_END)
    return report


_END = float("inf")


class _Peek:
    """An iterator that shows its next item before giving it."""

    def __init__(self, items: Iterator[Any]):
        self._items, self._next = items, next(items, None)

    def peek(self) -> Any:
        return self._next

    def take(self) -> Any:
        item, self._next = self._next, next(self._items, None)
        return item


@dataclass(frozen=True)
class Signed:
    """The newest checkpoint with a valid signature, and every chain's head as it signed them."""

    id: int
    heads: dict[str, list]
    last_event_id: int = 0


def newest_signed_checkpoint(session: Session, report: AuditReport, keys: Keys) -> Signed | None:
    """Fold the heads of every checkpoint with a valid signature, oldest first (each row stores the heads it
    changed); the result must give the newest one's signed root. A checkpoint row that is not signed by a
    trusted key is named and left out (forged or altered)."""
    heads: dict[str, list] = {}
    newest: AuditCheckpointRecord | None = None
    for record in queries.checkpoints_after(session, 0):
        if not signature_is_valid(keys.public_keys, entry(record)):
            report.add(SYSTEM_CHAIN, None, f"checkpoint {record.id} is not signed by this installation's key "
                                           "(forged or altered)", checkpoint_id=record.id)
            continue
        heads.update(record.heads)
        newest = record
    if newest is None:
        return None
    if merkle_root(heads_leaves(heads)) != newest.root:
        report.add(SYSTEM_CHAIN, None, f"checkpoint {newest.id} does not match the heads the checkpoints before it "
                                       "recorded (a checkpoint row was altered or deleted)", checkpoint_id=newest.id)
        return None
    report.checkpoint = entry(newest)
    return Signed(newest.id, heads, newest.last_event_id or 0)


def compare_witness(session: Session, report: AuditReport, keys: Keys, witness: Path | None) -> None:
    """Every checkpoint the witness file holds must be in the database, unchanged (same time, same root)."""
    stored = {(instant(record.created_at), record.root) for record in queries.checkpoints_newest_first(session)}
    for number, entry in read_witness(witness):
        if entry is None or not signature_is_valid(keys.public_keys, entry):
            report.add(SYSTEM_CHAIN, None, f"line {number} of the witness file is not a checkpoint signed by "
                                           "this installation's key")
        elif (entry["created_at"], entry["root"]) not in stored:
            report.add(SYSTEM_CHAIN, None, f"checkpoint {entry.get('id')} of the witness file is missing from "
                                           "the database (deleted or replaced)", checkpoint_id=entry.get("id"))
