"""The Merkle tree of RFC 9162 (section 2.1) over every chain's head: the root a checkpoint signs, and the
inclusion proof that takes one case's head to that root for an offline verifier."""
from __future__ import annotations

import hashlib


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
