"""Bearer tokens: HS256-signed JWTs for staff (user, role, department) and for a party (one case)."""
from __future__ import annotations

import threading
import time

import jwt

from api.settings import Settings
from engine.domain import Actor, DueflowError, ForbiddenError, Role
from engine.services import users
from engine.services.party import PartyAccess
from engine.services.runtime import Runtime

ALGORITHM = "HS256"
ISSUER = "dueflow"
STAFF, PARTY = "staff", "party"


class NotAuthenticatedError(DueflowError):
    """No token, or one that is forged, expired or no longer matches the account."""

    code = "not_authenticated"


class Tokens:
    """Issues and reads tokens; a staff token is re-checked against its account at most every few seconds."""

    def __init__(self, rt: Runtime, settings: Settings):
        self.rt, self.settings = rt, settings
        self._secret = settings.secret or rt.settings.secret
        self._checked: dict[str, tuple[float, Actor | None]] = {}
        self._verified: dict[str, dict] = {}  # token -> claims: a signature is checked once, expiry every time
        self._lock = threading.Lock()

    def issue_staff(self, actor: Actor) -> tuple[str, int]:
        seconds = self.settings.token_minutes * 60
        claims = {"sub": actor.username, "role": actor.role.value, "dept": actor.department, "typ": STAFF}
        return self._sign(claims, seconds), seconds

    def issue_party(self, access: PartyAccess) -> tuple[str, int]:
        seconds = self.settings.party_token_minutes * 60
        claims = {"sub": access.case_no, "cid": access.case_id, "role": Role.PARTY.value, "typ": PARTY}
        return self._sign(claims, seconds), seconds

    def _sign(self, claims: dict, seconds: int) -> str:
        now = int(time.time())
        return jwt.encode({**claims, "iss": ISSUER, "iat": now, "exp": now + seconds}, self._secret,
                          algorithm=ALGORITHM)

    def _read(self, token: str | None) -> dict:
        if not token:
            raise NotAuthenticatedError("sign in first: send 'Authorization: Bearer <token>'")
        claims = self._verified.get(token)
        if claims is not None and claims["exp"] > time.time():
            return claims
        try:
            claims = jwt.decode(token, self._secret, algorithms=[ALGORITHM], issuer=ISSUER,
                                options={"require": ["exp", "iat", "sub", "typ"]})
        except jwt.ExpiredSignatureError:
            raise NotAuthenticatedError("your sign-in expired; sign in again") from None
        except jwt.PyJWTError:
            raise NotAuthenticatedError("the token is not valid; sign in again") from None
        with self._lock:
            if len(self._verified) > 10_000:
                self._verified.clear()
            self._verified[token] = claims
        return claims

    def staff_actor(self, token: str | None) -> Actor:
        claims = self._read(token)
        if claims["typ"] != STAFF:
            raise ForbiddenError("a party's access opens only the party's own case (/api/party/...)")
        actor = self._current(claims["sub"])
        if actor is None or actor.role.value != claims.get("role") or actor.department != claims.get("dept"):
            raise NotAuthenticatedError("your account was disabled or changed; sign in again")
        return actor

    def party_access(self, token: str | None) -> PartyAccess:
        claims = self._read(token)
        if claims["typ"] != PARTY or not isinstance(claims.get("cid"), int):
            raise ForbiddenError("this is the party's access; staff use the case endpoints")
        return PartyAccess(claims["cid"], claims["sub"])

    def _current(self, username: str) -> Actor | None:
        now = time.monotonic()
        hit = self._checked.get(username)
        if hit is not None and now - hit[0] < self.settings.user_recheck_seconds:
            return hit[1]
        actor = users.current_actor(self.rt, username=username)
        with self._lock:
            if len(self._checked) > 10_000:
                self._checked.clear()
            self._checked[username] = (now, actor)
        return actor

    def forget(self, username: str) -> None:
        """Drop the cached account, so a change made through this process applies at once."""
        with self._lock:
            self._checked.pop(username, None)
