"""One chain recomputed event by event, holding only its position and last hash: the loop both the full and the
incremental verification run over streamed rows, so memory stays flat however long the log grows."""
from __future__ import annotations

from engine.audit.chain import GENESIS, row_hash, tag_is_valid


class Walk:
    """A chain from `start` (position, hash): events at or before the start are only read to check that the
    event at the start still has the hash a checkpoint signed; `signed` is that checkpoint's (seq, head) for a
    walk from the genesis. The first problem found ends the walk (later ones follow from it)."""

    __slots__ = ("chain", "case_no", "position", "prev", "anchor", "anchor_seen", "signed", "checkpoint_id",
                 "problem", "mismatch", "last_id")

    def __init__(self, chain: int, case_no: str | None, *, start: tuple[int, str] = (0, GENESIS),
                 signed: tuple[int, str] | None = None, checkpoint_id: int | None = None):
        self.chain, self.case_no = chain, case_no
        self.position, self.prev = start
        self.anchor, self.anchor_seen = start[0], start[0] == 0
        self.signed, self.checkpoint_id = signed, checkpoint_id
        self.problem: tuple[int | None, str, int | None, int | None] | None = None
        self.mismatch: tuple[int, str, int, int | None] | None = None
        self.last_id: int | None = None

    def step(self, audit_keys: tuple[bytes, ...], row: tuple) -> bool:
        """Check one row (engine.store.audit_rows); True when it was a new event (after the start) that was
        recomputed."""
        event_id, _, seq, _, _, _, kind, _, _, _, prev_hash, hash_, tag = row
        if self.problem is not None:
            return seq > self.anchor
        if seq <= self.anchor:
            if seq == self.anchor:
                self.anchor_seen = True
                if hash_ != self.prev:
                    self.problem = (seq, f"event {seq} differs from the one checkpoint {self.checkpoint_id} signed "
                                         "(chain rewritten)", event_id, self.checkpoint_id)
            return False
        position = self.position + 1
        if not self.anchor_seen:
            self.problem = (self.anchor, f"event {self.anchor} is missing (deleted)", None, self.checkpoint_id)
        elif seq != position:
            what = "is missing (deleted)" if seq > position else "appears twice"
            self.problem = (position, f"event {position} {what}", event_id, None)
        elif prev_hash != self.prev:
            self.problem = (seq, f"event {seq} does not follow event {seq - 1} (reordered, inserted or its "
                                 "predecessor altered)", event_id, None)
        elif row_hash(self.prev, row) != hash_:
            self.problem = (seq, f"event {seq} ({kind}) was altered after it was written", event_id, None)
        elif not tag_is_valid(audit_keys, hash_, tag):
            self.problem = (seq, f"event {seq} ({kind}) has no valid tag: it was not written by Dueflow (inserted "
                                 "or rewritten in the database)", event_id, None)
        else:
            if self.signed is not None and position == self.signed[0] and hash_ != self.signed[1]:
                self.mismatch = (position, f"event {position} differs from the one checkpoint {self.checkpoint_id} "
                                           "signed (chain rewritten)", event_id, self.checkpoint_id)
            self.position, self.prev, self.last_id = position, hash_, event_id
        return True

    def finish(self, head: tuple[int, str] | None) -> tuple[int | None, str, int | None, int | None] | None:
        """The chain's first problem once every row was read, comparing its end with the head the case row
        records (None: no case row, e.g. the system chain) and with the checkpoint's signed head."""
        if self.problem is None and not self.anchor_seen:
            self.problem = (self.anchor, f"event {self.anchor} is missing (deleted)", None, self.checkpoint_id)
        if self.problem is not None:
            return self.problem
        if head is not None and head[0] > self.position:
            return (self.position + 1, f"events {self.position + 1}..{head[0]} were deleted", None, None)
        if head is not None and (head[0] < self.position or head[1] != self.prev):
            return (self.position, "the chain does not end where the case says it does (events added or rewritten)",
                    self.last_id, None)
        if self.signed is not None and self.position < self.signed[0]:
            return (self.position + 1, f"checkpoint {self.checkpoint_id} saw {self.signed[0]} events of this chain; "
                                       f"only {self.position} remain", None, self.checkpoint_id)
        return self.mismatch
