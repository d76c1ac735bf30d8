"""Evidence files on disk, outside the database: streamed in chunks into a folder of their own with the sha256
computed while the bytes pass, then stored under their hash (so a file is written once, never rewritten, and
a second upload of the same bytes costs nothing). Video and other large files never sit in memory whole."""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

CHUNK = 1 << 20  # 1 MiB at a time


class BlobTooLargeError(Exception):
    """The stream went past the limit; nothing was kept."""


@dataclass(frozen=True)
class StoredBlob:
    key: str  # the path under the store's folder: "ab/abcdef..."
    sha256: str
    size: int


class BlobStore:
    """One folder of content-addressed files."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if not key or ".." in key or key.startswith("/"):
            raise ValueError(f"not a blob key: {key!r}")
        return self.root / key

    def put(self, stream: BinaryIO, *, limit: int) -> StoredBlob:
        """Copy `stream` to disk in chunks, hashing as it goes; refuse (and keep nothing) past `limit` bytes."""
        incoming = self.root / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        handle, temporary = tempfile.mkstemp(dir=incoming)
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise BlobTooLargeError(f"more than {limit} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.hexdigest()
            key = f"{sha256[:2]}/{sha256}"
            target = self.path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                os.unlink(temporary)  # the same bytes are stored already
            else:
                os.replace(temporary, target)
                os.chmod(target, 0o440)  # evidence is never rewritten in place
            return StoredBlob(key, sha256, size)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    def chunks(self, key: str) -> Iterator[bytes]:
        with self.path(key).open("rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    def sha256(self, key: str) -> str | None:
        """The file's hash as it is on disk now (None when it is gone), to compare with the sealed one."""
        digest = hashlib.sha256()
        try:
            for chunk in self.chunks(key):
                digest.update(chunk)
        except FileNotFoundError:
            return None
        return digest.hexdigest()
