#!/usr/bin/env python3
"""Verify a Dueflow case export offline: no database, no server, only Python's standard library and the
`cryptography` package. Recomputes every file's sha256, the case's audit hash chain, the Ed25519 signature
of the signed checkpoint and the Merkle inclusion proof of the case's head, and names the first mismatch.

This file is standalone on purpose (docs/verify.md): copy it anywhere and run
    python3 offline.py CASE.zip [--public-key HEX]
Exit 0 when everything matches, 1 naming the first thing that does not, 2 when the file is not an export."""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zipfile
from typing import Any

FORMAT = "dueflow-case-export/v1"
GENESIS = "0" * 64
SIGNATURE_CONTEXT = "dueflow-checkpoint/v1"
MANIFEST = "manifest.json"
EVENTS = "audit/events.jsonl"


class Mismatch(Exception):
    """The first thing in an export that does not match what it claims."""


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(prev_hash: str, event: dict[str, Any]) -> str:
    """The chain hash of engine/audit/chain.py, from an exported event (occurred_at already as stored text)."""
    body = canonical_json({name: event[name] for name in (
        "case_id", "seq", "occurred_at", "actor", "actor_role", "event_type", "element_id", "procedure_version",
        "payload")})
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_proof(item: bytes, index: int, size: int, proof: list[str]) -> str:
    """The root an RFC 9162 (2.1.3.2) inclusion proof leads to."""
    if index >= size:
        raise Mismatch("the inclusion proof names a leaf beyond the tree")
    fn, sn, r = index, size - 1, _leaf(item)
    for step in (bytes.fromhex(p) for p in proof):
        if sn == 0:
            raise Mismatch("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = _node(step, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, step)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise Mismatch("the inclusion proof is too short")
    return r.hex()


def signed_message(checkpoint: dict[str, Any]) -> bytes:
    return (f"{SIGNATURE_CONTEXT}\n{checkpoint['created_at']}\n{int(checkpoint['chains'])}\n"
            f"{int(checkpoint['events'])}\n{checkpoint['root']}").encode("ascii")


def check_signature(public_hex: str, checkpoint: dict[str, Any]) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(
            bytes.fromhex(str(checkpoint["signature"])), signed_message(checkpoint))
    except (InvalidSignature, ValueError, KeyError, TypeError):
        raise Mismatch(f"the signature of checkpoint {checkpoint.get('id')} does not match the public key "
                       f"{public_hex[:16]}...") from None


def _files(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    listed = manifest.get("files") or {}
    for name in archive.namelist():
        if name != MANIFEST and name not in listed:
            raise Mismatch(f"{name} is in the archive but not in the manifest")
    for name, expected in listed.items():
        if name not in archive.namelist():
            raise Mismatch(f"{name} is listed in the manifest but missing from the archive")
        digest = hashlib.sha256()
        with archive.open(name) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != expected:
            raise Mismatch(f"{name}: its sha256 is {digest.hexdigest()}, the manifest says {expected}")


def _chain(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Recompute the case's chain from its first event; seq -> event."""
    events: dict[int, dict[str, Any]] = {}
    prev = GENESIS
    for number, line in enumerate(archive.read(EVENTS).decode("utf-8").splitlines(), start=1):
        event = json.loads(line)
        where = f"audit event {event.get('seq')} ({event.get('event_type')})"
        if event.get("case_id") != manifest["case"]["id"]:
            raise Mismatch(f"{where} belongs to another case")
        if event.get("seq") != number:
            raise Mismatch(f"audit event {number} is missing or out of order")
        if event.get("prev_hash") != prev:
            raise Mismatch(f"{where} does not follow audit event {number - 1}")
        if event_hash(prev, event) != event.get("hash"):
            raise Mismatch(f"{where} was altered: its fields no longer hash to {event.get('hash')}")
        prev, events[number] = event["hash"], event
    head = manifest["case"]
    if (len(events), prev) != (head["audit_seq"], head["audit_head"]):
        raise Mismatch(f"the chain ends at event {len(events)}, the case record says {head['audit_seq']}")
    return events


def _documents(manifest: dict[str, Any], events: dict[int, dict[str, Any]]) -> None:
    """Each file's sha256 as the audit chain first recorded it (when it was added; later custody events carry
    the hash the bytes had at that moment, which is what they show, not what the file should be)."""
    recorded: dict[int, str] = {}
    for event in events.values():
        payload = json.loads(event["payload"])
        if isinstance(payload, dict) and "document_id" in payload and payload.get("sha256"):
            recorded.setdefault(int(payload["document_id"]), payload["sha256"])
    for document in manifest.get("documents", []):
        if document["id"] in recorded and recorded[document["id"]] != document["sha256"]:
            raise Mismatch(f"document {document['id']} ({document['filename']}): its sha256 differs from the one "
                           "the audit trail recorded")
        if manifest["files"].get(document["path"]) != document["sha256"]:
            raise Mismatch(f"{document['path']}: the file's sha256 differs from the document's recorded sha256")


def _checkpoint(manifest: dict[str, Any], events: dict[int, dict[str, Any]], public_key: str | None) -> str:
    signed = manifest.get("checkpoint")
    if not signed:
        return "no signed checkpoint covers this case yet: the chain is consistent but not signed"
    key = public_key or manifest.get("public_key", {}).get("public_key")
    if not key:
        raise Mismatch("no public key to check the checkpoint with")
    check_signature(key, signed)
    proof = manifest["inclusion_proof"]
    seq, head = int(proof["seq"]), str(proof["head"])
    if seq not in events or events[seq]["hash"] != head:
        raise Mismatch(f"the checkpoint signed event {seq} of this case with hash {head}; the exported chain "
                       "holds something else there")
    leaf = f"{manifest['case']['id']}:{seq}:{head}".encode("ascii")
    if root_from_proof(leaf, int(proof["index"]), int(signed["chains"]), proof["path"]) != signed["root"]:
        raise Mismatch(f"the inclusion proof does not lead to the root checkpoint {signed['id']} signed")
    later = len(events) - seq
    return (f"checkpoint {signed['id']} of {signed['created_at']} signs event {seq} of this case"
            + (f"; {later} later event(s) follow from it by hash" if later else ""))


def verify(path: str, public_key: str | None = None) -> str:
    """A summary when the export is intact; raises Mismatch naming the first thing that is not."""
    with zipfile.ZipFile(path) as archive:
        try:
            manifest = json.loads(archive.read(MANIFEST))
        except KeyError:
            raise Mismatch(f"{MANIFEST} is missing: not a Dueflow case export") from None
        if manifest.get("format") != FORMAT:
            raise Mismatch(f"unknown export format {manifest.get('format')!r}")
        events = _chain(archive, manifest)  # first, so an altered event is named rather than its file
        _files(archive, manifest)
        _documents(manifest, events)
        signed = _checkpoint(manifest, events, public_key)
    return (f"case {manifest['case']['case_no']}: {len(manifest['files'])} files, {len(events)} audit events, "
            f"{len(manifest.get('documents', []))} documents intact; {signed}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a Dueflow case export offline.")
    parser.add_argument("export", help="the .zip written by `dueflow export`")
    parser.add_argument("--public-key", help="the agency's Ed25519 public key (hex) from GET /api/public/keys; "
                                             "without it, the key inside the export is used")
    args = parser.parse_args(argv)
    try:
        print(verify(args.export, args.public_key))
    except Mismatch as exc:
        print(f"MISMATCH: {exc}", file=sys.stderr)
        return 1
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        print(f"not a readable Dueflow export: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print("the export is intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
