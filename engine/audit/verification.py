"""Verification: recompute every chain and its keyed tags, compare each chain with the head its case row
records and with the newest signed checkpoint, and compare the database's checkpoints with the witness file.
Each chain's first problem is named; a checkpoint that is forged, altered or missing is named too."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from engine.audit.chain import GENESIS, SYSTEM_CHAIN, event_hash, instant, tag_is_valid
from engine.audit.checkpoints import entry, read_witness, signature_is_valid
from engine.audit.merkle import heads_leaves, merkle_root
from engine.store import AuditCheckpointRecord, AuditEventRecord, Session, queries

PROGRESS_EVERY = 10_000


@dataclass
class AuditReport:
    ok: bool = True
    cases: int = 0
    events: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    checkpoint: dict[str, Any] | None = None  # the newest signed checkpoint the chains were compared with

    def add(self, case_id: int, seq: int | None, problem: str, case_no: str | None = None,
            event_id: int | None = None, checkpoint_id: int | None = None) -> None:
        self.ok = False
        self.problems.append({"case_id": case_id, "case_no": case_no, "seq": seq, "event_id": event_id,
                              "checkpoint_id": checkpoint_id, "problem": problem})

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "cases": self.cases, "events": self.events, "problems": self.problems,
                "checkpoint": self.checkpoint}


@dataclass(frozen=True)
class Keys:
    """What verification trusts, all from outside the database: HMAC keys (current first, then retired) and
    checkpoint public keys by key id."""

    audit_keys: tuple[bytes, ...]
    public_keys: dict[str, str]


def _verify_chain(report: AuditReport, keys: Keys, chain: int, events: list[AuditEventRecord],
                  case_no: str | None) -> bool:
    """Names the chain's first broken event; True when the chain is sound."""
    prev = GENESIS
    for position, event in enumerate(events, start=1):
        if event.seq != position:
            what = "is missing (deleted)" if event.seq > position else "appears twice"
            report.add(chain, position, f"event {position} {what}", case_no, event.id)
            return False
        if event.prev_hash != prev:
            report.add(chain, event.seq, f"event {event.seq} does not follow event {event.seq - 1} "
                                         "(reordered, inserted or its predecessor altered)", case_no, event.id)
            return False
        if event_hash(prev, event) != event.hash:
            report.add(chain, event.seq, f"event {event.seq} ({event.event_type}) was altered after it was "
                                         "written", case_no, event.id)
            return False
        if not tag_is_valid(keys.audit_keys, event.hash, event.tag):
            report.add(chain, event.seq, f"event {event.seq} ({event.event_type}) has no valid tag: it was not "
                                         "written by Dueflow (inserted or rewritten in the database)", case_no,
                       event.id)
            return False
        prev = event.hash
    return True


def _against_checkpoint(report: AuditReport, signed: Signed | None, chain: int,
                        events: list[AuditEventRecord], case_no: str | None) -> None:
    """A sound chain must still hold, at the position the newest signed checkpoint saw, the head it signed."""
    if signed is None or str(chain) not in signed.heads:
        return
    seq, head = signed.heads[str(chain)]
    if len(events) < seq:
        report.add(chain, len(events) + 1, f"checkpoint {signed.id} saw {seq} events of this chain; only "
                                           f"{len(events)} remain", case_no, checkpoint_id=signed.id)
    elif events[seq - 1].hash != head:
        report.add(chain, seq, f"event {seq} differs from the one checkpoint {signed.id} signed (chain "
                               "rewritten)", case_no, events[seq - 1].id, checkpoint_id=signed.id)


def verify(session: Session, *, keys: Keys, witness: Path | None = None, case_id: int | None = None,
           progress: Callable[[int], None] | None = None) -> AuditReport:
    """Recompute every chain (or one case's) with its tags; compare with the case rows, the newest signed
    checkpoint and (for the whole log) the witness file. `progress` is called with the events read so far."""
    report = AuditReport()
    signed = _newest_signed_checkpoint(session, report, keys)
    if case_id is None:
        _compare_witness(session, report, keys, witness)
    heads = queries.case_heads(session, case_id)
    seen: set[int] = set()

    def finish(chain_events: list[AuditEventRecord]) -> None:
        chain_id = chain_events[0].case_id
        seen.add(chain_id)
        head = heads.get(chain_id)
        case_no = head[2] if head else None
        report.cases += chain_id != SYSTEM_CHAIN
        if not _verify_chain(report, keys, chain_id, chain_events, case_no):
            return
        last = chain_events[-1]
        if head and head[0] > last.seq:
            report.add(chain_id, last.seq + 1, f"events {last.seq + 1}..{head[0]} were deleted", case_no)
        elif head and (head[0] < last.seq or head[1] != last.hash):
            report.add(chain_id, last.seq, "the chain does not end where the case says it does "
                                           "(events added or rewritten)", case_no, last.id)
        else:
            _against_checkpoint(report, signed, chain_id, chain_events, case_no)

    chain: list[AuditEventRecord] = []
    for event in queries.iter_audit_events(session, case_id=case_id):
        if chain and chain[-1].case_id != event.case_id:
            finish(chain)
            chain = []
        chain.append(event)
        report.events += 1
        if progress is not None and report.events % PROGRESS_EVERY == 0:
            progress(report.events)
    if chain:
        finish(chain)
    for missing, (seq, _, case_no) in heads.items():
        if missing not in seen and seq > 0:
            report.cases += 1
            report.add(missing, 1, f"all {seq} events of the case were deleted", case_no)
            seen.add(missing)
    if signed is not None:
        for chain_key, (seq, _) in signed.heads.items():
            chain_id = int(chain_key)
            if chain_id not in seen and (case_id is None or chain_id == case_id):
                report.add(chain_id, 1, f"checkpoint {signed.id} saw {seq} events of this chain; only 0 remain",
                           checkpoint_id=signed.id)
    return report


@dataclass(frozen=True)
class Signed:
    """The newest checkpoint with a valid signature, and every chain's head as it signed them."""

    id: int
    heads: dict[str, list]


def _newest_signed_checkpoint(session: Session, report: AuditReport, keys: Keys) -> Signed | None:
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
    return Signed(newest.id, heads)


def _compare_witness(session: Session, report: AuditReport, keys: Keys, witness: Path | None) -> None:
    """Every checkpoint the witness file holds must be in the database, unchanged (same time, same root)."""
    stored = {(instant(record.created_at), record.root) for record in queries.checkpoints_newest_first(session)}
    for number, entry in read_witness(witness):
        if entry is None or not signature_is_valid(keys.public_keys, entry):
            report.add(SYSTEM_CHAIN, None, f"line {number} of the witness file is not a checkpoint signed by "
                                           "this installation's key")
        elif (entry["created_at"], entry["root"]) not in stored:
            report.add(SYSTEM_CHAIN, None, f"checkpoint {entry.get('id')} of the witness file is missing from "
                                           "the database (deleted or replaced)", checkpoint_id=entry.get("id"))
