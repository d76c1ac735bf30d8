"""What an API process is configured with beyond the engine's Settings: token lifetimes, upload limits, loops.
The token secret is the runtime's (engine.settings.Settings.secret, from engine.bootstrap) unless a test
gives one here."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Settings:
    secret: str | bytes | None = None  # None: the runtime's settings.secret, shared by every process
    token_minutes: int = 480  # one working day: staff sign in once per shift
    party_token_minutes: int = 60
    # A signed token is trusted for this long before the account is looked up again, so a disabled account
    # or a changed role takes effect within it while requests cost no query for the user.
    user_recheck_seconds: float = 30.0
    max_request_bytes: int = 8 * 1024 * 1024
    # The background timer loop sleeps until the next deadline and wakes on earlier ones; this is only its
    # longest sleep (a re-check for a missed notification), in seconds. 0 runs no loop in this process.
    timer_interval: float = 0.0
    checkpoint_interval: float = 0.0  # seconds between signed audit checkpoints while events arrive; 0: none
    title: str = "Dueflow"
