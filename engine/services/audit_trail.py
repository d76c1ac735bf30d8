"""Use cases of the audit trail: sign a checkpoint (and append it to the witness file), verify the log, publish
the checkpoint key. The keys come from the runtime's settings, never from the database."""
from __future__ import annotations

import threading
from typing import Any, Callable
from weakref import WeakKeyDictionary

from engine import audit
from engine.domain import Actor, InvalidDataError, Role
from engine.services import access
from engine.services.runtime import Runtime
from engine.settings import Settings
from engine.store import Store, queries

AUDITORS = {Role.AUDITOR, Role.ADMIN, Role.SYSTEM}
# Every chain's head as of the newest checkpoint this process has folded, per database: a checkpoint then reads
# only the checkpoints written since (by any process), not all of them.
_FOLDED: WeakKeyDictionary[Store, audit.FoldedHeads] = WeakKeyDictionary()
_FOLDED_LOCK = threading.Lock()


def trusted(settings: Settings) -> audit.Keys:
    """What verification trusts: the current HMAC key first, then retired ones; current and retired public keys."""
    return audit.Keys(audit_keys=(settings.audit_key, *settings.retired_audit_keys),
                      public_keys=audit.trusted_keys(settings.signing_seed, settings.retired_public_keys))


def public_key(rt: Runtime) -> dict[str, Any]:
    """The public half of the checkpoint key: anyone holding it checks a checkpoint offline."""
    signer = audit.signer(rt.settings.signing_seed)
    return {"algorithm": "Ed25519", "key_id": signer.key_id, "public_key": signer.public_hex,
            "signed_message": "dueflow-checkpoint/v1\n<created_at>\n<chains>\n<events>\n<root>",
            "retired_public_keys": list(rt.settings.retired_public_keys)}


def take_checkpoint(rt: Runtime, *, actor: Actor, only_if_new: bool = False) -> dict[str, Any] | None:
    """Sign a Merkle root over every chain's head, store it, and once committed append it to the witness file.
    With `only_if_new`, nothing (None) when no event arrived since the newest checkpoint."""
    access.require_role(actor, AUDITORS, "checkpoint the audit log")
    if only_if_new:  # most ticks of the loop: a read, without taking SQLite's write lock
        with rt.store.transaction(write=False) as session:
            if not audit.checkpoint_due(session):
                return None
    with rt.store.transaction() as session:
        queries.lock_system_chain(session)
        with _FOLDED_LOCK:
            folded = _FOLDED.setdefault(rt.store, audit.FoldedHeads())
        record = audit.checkpoint(session, seed=rt.settings.signing_seed, now=rt.now(), folded=folded,
                                  only_if_new=only_if_new)
        if record is None:
            return None
        entry = audit.entry(record)
        witness = rt.settings.witness_path
        if witness is not None:
            rt.store.after_commit(session, lambda: audit.append_witness(witness, entry))
    return entry


def verify_audit(rt: Runtime, *, actor: Actor, case_id: int | None = None, since_checkpoint: bool = False,
                 progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Every chain (or one case's) with its tags, against the case rows, the newest signed checkpoint and the
    witness file: `ok`, counts, and each chain's first problem. With `since_checkpoint`, only what was written
    after the newest signed checkpoint (the whole log when there is none)."""
    access.require_role(actor, AUDITORS, "verify the audit log")
    if since_checkpoint and case_id is not None:
        raise InvalidDataError("verify either one case or what is new since the last checkpoint, not both")
    with rt.store.transaction(write=False) as session:
        if since_checkpoint:
            return audit.verify_new(session, keys=trusted(rt.settings), witness=rt.settings.witness_path,
                                    progress=progress).as_dict()
        return audit.verify(session, keys=trusted(rt.settings), witness=rt.settings.witness_path, case_id=case_id,
                            progress=progress).as_dict()
