"""Incremental verification: only what changed since the newest signed checkpoint. A chain whose head on its
case row is the head the checkpoint signed is left alone; every other chain is recomputed from the signed head
on (whose event must still carry the signed hash). What lies before the checkpoint is the full verify's job."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from engine.audit.chain import GENESIS, SYSTEM_CHAIN
from engine.audit import verification
from engine.audit.verification import AuditReport, Keys, compare_witness, newest_signed_checkpoint, verify
from engine.audit.walk import Walk
from engine.store import Session, audit_rows, queries
from engine.store.audit_rows import CASE_ID

CHUNK = 500  # changed chains read per query


def verify_new(session: Session, *, keys: Keys, witness: Path | None = None,
               progress: Callable[[int], None] | None = None) -> AuditReport:
    """Check the events written since the newest signed checkpoint and the heads they lead to; with no signed
    checkpoint yet, everything is new and this is the full verify."""
    report = AuditReport()
    signed = newest_signed_checkpoint(session, report, keys)
    if signed is None:  # the full verify names any checkpoint row that is not validly signed too
        return verify(session, keys=keys, witness=witness, progress=progress)
    compare_witness(session, report, keys, witness)
    report.since_checkpoint = signed.id
    changed: list[tuple[int, str | None, tuple[int, str], tuple[int, str] | None]] = []
    listed: set[str] = set()
    for case_id, seq, head, case_no in audit_rows.stream_case_heads(session):
        mark = signed.heads.get(str(case_id))
        if mark is not None:
            listed.add(str(case_id))
        if (mark is None and seq == 0) or (mark is not None and (mark[0], mark[1]) == (seq, head)):
            continue
        changed.append((case_id, case_no, (mark[0], mark[1]) if mark else (0, GENESIS), (seq, head)))
    for chain, mark in signed.heads.items():  # a signed chain whose case row is gone, and the system chain
        if chain not in listed:
            last = queries.last_audit_event(session, SYSTEM_CHAIN) if chain == str(SYSTEM_CHAIN) else None
            if last is None or (last.seq, last.hash) != (mark[0], mark[1]):
                changed.append((int(chain), None, (mark[0], mark[1]), None))
    if str(SYSTEM_CHAIN) not in signed.heads and queries.last_audit_event(session, SYSTEM_CHAIN) is not None:
        changed.append((SYSTEM_CHAIN, None, (0, GENESIS), None))
    changed.sort()
    for start in range(0, len(changed), CHUNK):
        _walk_chunk(session, report, keys, signed.id, changed[start:start + CHUNK], progress)
    return report


def _walk_chunk(session: Session, report: AuditReport, keys: Keys, checkpoint_id: int,
                chunk: list[tuple[int, str | None, tuple[int, str], tuple[int, str] | None]],
                progress: Callable[[int], None] | None) -> None:
    """Recompute a few changed chains from their signed heads on and compare their ends with their case rows."""
    walks = {chain: Walk(chain, case_no, start=start, checkpoint_id=checkpoint_id)
             for chain, case_no, start, _ in chunk}
    from_seq = min(start[0] for _, _, start, _ in chunk)
    for row in audit_rows.stream_chains(session, list(walks), from_seq=max(from_seq, 1)):
        if walks[row[CASE_ID]].step(keys.audit_keys, row):
            report.events += 1
            if progress is not None and report.events % verification.PROGRESS_EVERY == 0:
                progress(report.events)
    for chain, case_no, _, head in chunk:
        report.cases += chain != SYSTEM_CHAIN
        problem = walks[chain].finish(head)
        if problem is not None:
            report.add(chain, problem[0], problem[1], case_no, problem[2], problem[3])
