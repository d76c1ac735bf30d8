"""Headers of a file download: the file name in any script (RFC 6266 / RFC 5987 `filename*`, with an ASCII
fallback for old clients), and no content sniffing, so a stored file is never run as a page of ours."""
from __future__ import annotations

from urllib.parse import quote

_FALLBACK_CHARS = frozenset("._- ()")


def content_disposition(filename: str, *, disposition: str = "attachment", fallback: str = "document") -> str:
    """`attachment; filename="..."; filename*=UTF-8''...` for any file name: control characters, quotes and path
    separators are dropped; the ASCII name keeps what latin-1 headers can carry and the extension."""
    name = "".join(ch for ch in filename or "" if ch.isprintable() and ch not in '"\\/;').strip(" .")[:200]
    if not name:
        name = fallback
    plain = "".join(ch if ch.isascii() and (ch.isalnum() or ch in _FALLBACK_CHARS) else "_" for ch in name)
    stem, dot, extension = plain.rpartition(".")
    if not any(ch.isalnum() for ch in (stem if dot else plain)):
        plain = fallback + (dot + extension if dot and extension.isalnum() else "")
    encoded = quote(name, safe="", encoding="utf-8", errors="replace")
    return f"{disposition}; filename=\"{plain}\"; filename*=UTF-8''{encoded}"


def download_headers(filename: str, *, disposition: str = "attachment", **extra: str) -> dict[str, str]:
    """Every header a download of a stored file carries (evidence, documents served, procedure sources)."""
    return {"Content-Disposition": content_disposition(filename, disposition=disposition),
            "X-Content-Type-Options": "nosniff", **extra}
