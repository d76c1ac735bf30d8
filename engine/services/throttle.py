"""Slowing down guessing: failed attempts counted per key in memory, then an exponential wait before the next.

Kept in memory, per process, on purpose: a check costs no database round trip, and nothing is written on the
login path. With several API processes an attacker gets one budget per process; that is acceptable because
passwords are argon2-hashed (each guess costs the server ~50 ms anyway) and party access codes carry 50 bits.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Callable, Hashable

from engine.domain import TooManyAttemptsError


@dataclass
class _Tally:
    failures: int
    first_at: float
    blocked_until: float


class Throttle:
    """After `free` failures within `window` seconds, each further failure doubles the wait (up to `cap`)."""

    def __init__(self, *, free: int, window: float = 900.0, base: float = 1.0, cap: float = 300.0,
                 clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self.free, self.window, self.base, self.cap = free, window, base, cap
        self.clock, self.max_keys = clock, max_keys
        self._tallies: dict[Hashable, _Tally] = {}
        self._lock = threading.Lock()

    def check(self, key: Hashable, what: str = "attempts") -> None:
        """Refuse at once while the key is blocked, before any expensive check runs."""
        now = self.clock()
        with self._lock:
            tally = self._tallies.get(key)
            wait = tally.blocked_until - now if tally else 0.0
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise TooManyAttemptsError(f"too many failed {what}; try again in {seconds} s", seconds)

    def failed(self, key: Hashable) -> None:
        now = self.clock()
        with self._lock:
            tally = self._tallies.get(key)
            if tally is None or now - tally.first_at > self.window and now >= tally.blocked_until:
                tally = self._tallies[key] = _Tally(0, now, 0.0)
            tally.failures += 1
            over = tally.failures - self.free
            if over >= 0:
                tally.blocked_until = now + min(self.cap, self.base * 2 ** min(over, 30))
            if len(self._tallies) > self.max_keys:
                self._prune(now)

    def succeeded(self, key: Hashable) -> None:
        with self._lock:
            self._tallies.pop(key, None)

    def _prune(self, now: float) -> None:
        # memory stays bounded under a spray of distinct keys: forget tallies that no longer block anything
        for key in [k for k, t in self._tallies.items() if now - t.first_at > self.window and now >= t.blocked_until]:
            del self._tallies[key]
        while len(self._tallies) > self.max_keys:
            self._tallies.pop(next(iter(self._tallies)))
