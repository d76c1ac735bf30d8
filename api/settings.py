"""What an API process is configured with: the token secret and lifetimes, upload limits, the timer loop."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

SECRET_FILE = Path("var") / "secret"


def load_secret(path: Path = SECRET_FILE) -> str:
    """$DUEFLOW_SECRET, else the secret in var/secret, created once so every process on the machine shares it."""
    secret = os.environ.get("DUEFLOW_SECRET")
    if secret:
        return secret
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting together agree on whichever secret was written first
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


@dataclass
class Settings:
    secret: str = field(default_factory=load_secret)
    token_minutes: int = 480  # one working day: staff sign in once per shift
    party_token_minutes: int = 60
    # A signed token is trusted for this long before the account is looked up again, so a disabled account
    # or a changed role takes effect within it while requests cost no query for the user.
    user_recheck_seconds: float = 30.0
    max_request_bytes: int = 8 * 1024 * 1024
    # The background timer loop sleeps until the next deadline and wakes on earlier ones; this is only its
    # longest sleep (a re-check for a missed notification), in seconds. 0 runs no loop in this process.
    timer_interval: float = 0.0
    title: str = "Dueflow"
