"""Signed checkpoints, modelled on Certificate Transparency (RFC 9162): a Merkle tree root over every chain's
head (system chain included), signed with Ed25519 by a key outside the database, stored in the database (only
the heads that changed since the checkpoint before) and appended to a witness file outside it. Heads only grow:
a checkpoint never signs a chain shorter than, or different from, what an earlier one signed."""
from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from engine.audit.chain import SYSTEM_CHAIN, instant
from engine.audit.merkle import heads_leaves, merkle_root
from engine.store import AuditCheckpointRecord, Session, queries

SIGNATURE_CONTEXT = "dueflow-checkpoint/v1"
log = logging.getLogger("dueflow.audit")


# ---- signing --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Signer:
    """The installation's checkpoint key, derived from its signing seed (never stored in the database)."""

    private: Ed25519PrivateKey
    public_hex: str
    key_id: str

    def sign(self, message: bytes) -> str:
        return self.private.sign(message).hex()


@lru_cache(maxsize=8)
def signer(seed: bytes) -> Signer:
    if not seed:
        raise ValueError("checkpoints need the installation's signing seed")
    private = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"dueflow-signing:" + seed).digest())
    public = private.public_key().public_bytes_raw().hex()
    return Signer(private, public, key_id(public))


def key_id(public_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:16]


def signed_message(*, created_at: str, chains: int, events: int, root: str) -> bytes:
    """What a checkpoint signature covers; an offline verifier rebuilds it from the checkpoint's fields."""
    return f"{SIGNATURE_CONTEXT}\n{created_at}\n{chains}\n{events}\n{root}".encode("ascii")


def signature_is_valid(public_keys: dict[str, str], entry: dict[str, Any]) -> bool:
    """True when the entry (a checkpoint's fields) is signed by one of the trusted keys (key id -> hex)."""
    public = public_keys.get(str(entry.get("key_id")))
    if public is None or not entry.get("signature"):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)).verify(
            bytes.fromhex(entry["signature"]),
            signed_message(created_at=str(entry["created_at"]), chains=int(entry["chains"]),
                           events=int(entry["events"]), root=str(entry["root"])))
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return False
    return True


def trusted_keys(seed: bytes, retired_public_keys: tuple[str, ...] = ()) -> dict[str, str]:
    """Key id -> public key of the current signing key and every retired one still trusted."""
    keys = {key_id(public): public for public in retired_public_keys}
    current = signer(seed)
    keys[current.key_id] = current.public_hex
    return keys


# ---- taking a checkpoint --------------------------------------------------------------------------

def current_heads(session: Session) -> dict[str, list]:
    """chain id -> [seq, head hash] for every chain with events, the system chain included."""
    heads: dict[str, list] = {}
    for chain_id, (seq, head, _) in queries.case_heads(session).items():
        if seq:
            heads[str(chain_id)] = [seq, head]
    last = queries.last_audit_event(session, SYSTEM_CHAIN)
    if last:
        heads[str(SYSTEM_CHAIN)] = [last.seq, last.hash]
    return heads


def checkpoint_due(session: Session) -> bool:
    """True when an audit event was written since the newest checkpoint (by the newest row id: ids reused
    after a deletion only delay the next checkpoint to the next event)."""
    latest = queries.latest_checkpoint(session)
    return latest is None or latest.last_event_id != queries.max_audit_event_id(session)


@dataclass
class FoldedHeads:
    """Every chain's head as of one checkpoint, folded from the checkpoints' deltas (a checkpoint row stores
    only the heads that changed since the one before; its signed root covers all of them)."""

    checkpoint_id: int = 0
    heads: dict[str, list] = field(default_factory=dict)


def fold(session: Session, folded: FoldedHeads) -> FoldedHeads:
    """Bring `folded` up to the newest checkpoint by applying the deltas of every newer one, oldest first."""
    for record in queries.checkpoints_after(session, folded.checkpoint_id):
        folded.heads.update(record.heads)
        folded.checkpoint_id = record.id
    return folded


def _kept(session: Session, signed: dict[str, list], heads: dict[str, list]) -> dict[str, list]:
    """Heads are append-only: a chain a checkpoint signed must still hold the signed event at the signed position
    and may only have grown. A chain that vanished, shrank or diverged keeps its last signed head, so the next
    checkpoint never signs away evidence of tampering (verify then names the chain)."""
    kept = {chain: head for chain, head in signed.items() if chain not in heads or heads[chain][0] < head[0]
            or (heads[chain][0] == head[0] and heads[chain][1] != head[1])}
    grown = [(int(chain), head[0]) for chain, head in signed.items()
             if chain in heads and heads[chain][0] > head[0]]
    found = queries.event_hashes_at(session, grown)
    for chain_id, seq in grown:
        if found.get((chain_id, seq)) != signed[str(chain_id)][1]:
            kept[str(chain_id)] = signed[str(chain_id)]
    for chain in kept:
        log.warning("audit chain %s disagrees with its last signed head; the checkpoint keeps that head", chain)
    return kept


def checkpoint(session: Session, *, seed: bytes, now: datetime, folded: FoldedHeads,
               only_if_new: bool = False) -> AuditCheckpointRecord | None:
    """Sign a Merkle root over every chain's head and store the heads that changed. With `only_if_new`, None
    when no event was written since the newest checkpoint (the periodic loop checkpoints only while events
    arrive). The caller holds the system-chain lock, so two checkpoints never interleave; `folded` (kept by
    the caller between calls) spares re-reading every older checkpoint."""
    last_event_id = queries.max_audit_event_id(session)
    if only_if_new and not checkpoint_due(session):
        return None
    signed = fold(session, folded).heads
    heads = current_heads(session)
    heads.update(_kept(session, signed, heads))
    delta = {chain: head for chain, head in heads.items() if signed.get(chain) != head}
    key = signer(seed)
    chains, events, root = len(heads), sum(v[0] for v in heads.values()), merkle_root(heads_leaves(heads))
    signature = key.sign(signed_message(created_at=instant(now), chains=chains, events=events, root=root))
    record = AuditCheckpointRecord(created_at=now, chains=chains, events=events, heads=delta, root=root,
                                   key_id=key.key_id, signature=signature, last_event_id=last_event_id)
    session.add(record)
    session.flush()  # insert-only: the row is written once, signature and all
    return record


def entry(record: AuditCheckpointRecord) -> dict[str, Any]:
    """A checkpoint as the witness file and the API show it (without the heads)."""
    return {"id": record.id, "created_at": instant(record.created_at), "chains": record.chains,
            "events": record.events, "root": record.root, "key_id": record.key_id, "signature": record.signature}


# ---- the witness file -----------------------------------------------------------------------------

def append_witness(path: Path, line: dict[str, Any]) -> None:
    """One JSON line per checkpoint, appended with a single write (O_APPEND: processes sharing the file
    never interleave lines)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(line, sort_keys=True, separators=(",", ":")) + "\n").encode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def read_witness(path: Path | None) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """(line number, entry or None when the line is not a checkpoint) for every line of the witness file."""
    if path is None or not path.exists():
        return
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for number, text in enumerate(handle, start=1):
            try:
                value = json.loads(text)
            except ValueError:
                yield number, None
                continue
            yield number, value if isinstance(value, dict) else None
