"""Signed checkpoints, modelled on Certificate Transparency (RFC 9162): a Merkle tree root over every chain's
head (system chain included), signed with Ed25519 by a key outside the database, stored in the database and
appended to a witness file outside it. Anyone holding the public key checks a checkpoint; an exported case
checks its head against the root with an inclusion proof."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from engine.audit.chain import SYSTEM_CHAIN, instant
from engine.store import AuditCheckpointRecord, Session, queries

SIGNATURE_CONTEXT = "dueflow-checkpoint/v1"


# ---- Merkle tree (RFC 9162 section 2.1) -----------------------------------------------------------

def leaf_data(chain_id: int, seq: int, head: str) -> bytes:
    return f"{chain_id}:{seq}:{head}".encode("ascii")


def _leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than `size` (size > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def _root(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return _node(_root(leaves[:k]), _root(leaves[k:]))


def merkle_root(items: list[bytes]) -> str:
    """MTH of RFC 9162 over the leaf data, hex; the empty tree's root is sha256 of nothing."""
    if not items:
        return hashlib.sha256(b"").hexdigest()
    return _root([_leaf(item) for item in items]).hex()


def inclusion_proof(items: list[bytes], index: int) -> list[str]:
    """The audit path of leaf `index` (RFC 9162 2.1.3.1), hex, for an offline verifier."""
    def path(leaves: list[bytes], m: int) -> list[bytes]:
        if len(leaves) <= 1:
            return []
        k = _split(len(leaves))
        if m < k:
            return path(leaves[:k], m) + [_root(leaves[k:])]
        return path(leaves[k:], m - k) + [_root(leaves[:k])]

    return [h.hex() for h in path([_leaf(item) for item in items], index)]


def root_from_proof(item: bytes, index: int, size: int, proof: list[str]) -> str:
    """The root an inclusion proof leads to (RFC 9162 2.1.3.2); compare it with a signed checkpoint's root."""
    if index >= size:
        raise ValueError("leaf index beyond the tree")
    fn, sn, r = index, size - 1, _leaf(item)
    for step in (bytes.fromhex(p) for p in proof):
        if sn == 0:
            raise ValueError("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = _node(step, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, step)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ValueError("inclusion proof too short")
    return r.hex()


def heads_leaves(heads: dict[str, list]) -> list[bytes]:
    """The tree's leaves: every chain's head in chain order."""
    return [leaf_data(int(chain), int(seq), str(head))
            for chain, (seq, head) in sorted(heads.items(), key=lambda item: int(item[0]))]


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


def checkpoint(session: Session, *, seed: bytes, now: datetime, only_if_new: bool = False
               ) -> AuditCheckpointRecord | None:
    """Sign a Merkle root over every chain's head and store it. With `only_if_new`, None when no event was
    written since the newest checkpoint (the periodic loop checkpoints only while events arrive). The caller
    holds the system-chain lock, so two checkpoints never interleave."""
    last_event_id = queries.max_audit_event_id(session)
    if only_if_new:
        latest = queries.latest_checkpoint(session)
        if latest is not None and latest.last_event_id == last_event_id:
            return None
    key = signer(seed)
    heads = current_heads(session)
    chains, events, root = len(heads), sum(v[0] for v in heads.values()), merkle_root(heads_leaves(heads))
    signature = key.sign(signed_message(created_at=instant(now), chains=chains, events=events, root=root))
    record = AuditCheckpointRecord(created_at=now, chains=chains, events=events, heads=heads, root=root,
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
