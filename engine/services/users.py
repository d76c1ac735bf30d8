"""Use cases on staff accounts: add, list, disable, and signing in with an argon2-checked password."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from engine import audit
from engine.domain import Actor, InvalidCredentialsError, InvalidDataError, Role, UserNotFoundError
from engine.domain import EventType
from engine.services import access
from engine.services.runtime import Runtime
from engine.services.throttle import Throttle
from engine.store import DepartmentRecord, UserRecord, queries

STAFF_ROLES = (Role.ADMIN, Role.OFFICER, Role.SUPERVISOR, Role.LEGAL_REVIEWER, Role.DISPATCHER, Role.AUDITOR,
               Role.WORKER, Role.COORDINATOR, Role.INSPECTOR)
MAX_TOPICS, MAX_TOPIC = 100, 200
# Roles that work inside one department's cases and so must belong to one.
DEPARTMENT_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.LEGAL_REVIEWER, Role.INSPECTOR})
MIN_PASSWORD = 8
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_DEPARTMENT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# argon2id with the library's defaults (RFC 9106 low-memory profile): about 50 ms a check on this machine.
_HASHER = PasswordHasher()
# Checked against when the user does not exist, so an unknown name takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("dueflow: no such user")


@dataclass
class UserView:
    username: str
    display_name: str
    role: str
    department: str | None
    active: bool
    created_at: str | None
    topics: list[str] | None = None  # a worker's external-task topics

    @classmethod
    def of(cls, user: UserRecord) -> "UserView":
        return cls(username=user.username, display_name=user.display_name, role=user.role,
                   department=user.department, active=user.active,
                   created_at=user.created_at.isoformat() if user.created_at else None,
                   topics=list(user.topics) if user.topics else None)

    def as_dict(self) -> dict:
        return asdict(self)


def login_throttles() -> tuple[Throttle, Throttle]:
    """(per account, per client address): an account slows down after 5 misses, an address after 30."""
    return Throttle(free=5, cap=300.0), Throttle(free=30, cap=300.0)


def _checked(username: str, password: str, role: str, department: str | None) -> tuple[str, Role, str | None]:
    errors: dict[str, str] = {}
    name = (username or "").strip().lower()
    if not _USERNAME.match(name):
        errors["username"] = "2-64 characters: lower-case letters, digits, '.', '_' or '-'"
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = f"at least {MIN_PASSWORD} characters"
    try:
        role_ = Role(role)
        if role_ not in STAFF_ROLES:
            raise ValueError(role)
    except ValueError:
        role_ = None
        errors["role"] = f"one of: {', '.join(r.value for r in STAFF_ROLES)}"
    department = (department or "").strip().lower() or None
    if department and not _DEPARTMENT.match(department):
        errors["department"] = "1-64 characters: lower-case letters, digits, '_' or '-'"
    elif role_ == Role.WORKER and department:
        errors["department"] = "a worker belongs to no department: it works on topics (docs/external-tasks.md)"
    elif role_ in DEPARTMENT_ROLES and not department:
        article = "an" if role_.value[0] in "aeiou" else "a"
        errors["department"] = f"{article} {role_.value.replace('_', ' ')} works for one department: name it"
    if errors or role_ is None:  # no role_ means errors["role"] is set
        raise InvalidDataError.for_fields(errors)
    return name, role_, department


def _checked_topics(role: Role, topics: list[str] | None) -> list[str] | None:
    """A worker fetches the external tasks of its topics only (docs/external-tasks.md); nobody else has any."""
    cleaned = sorted({str(t).strip() for t in topics or [] if str(t).strip()})
    if role != Role.WORKER:
        if cleaned:
            raise InvalidDataError.for_fields({"topics": "only a worker has external-task topics"})
        return None
    if not cleaned or len(cleaned) > MAX_TOPICS:
        raise InvalidDataError.for_fields({"topics": f"a worker needs 1-{MAX_TOPICS} topics it may fetch"})
    bad = [t for t in cleaned if len(t) > MAX_TOPIC or any(ord(c) < 32 for c in t)]
    if bad:
        raise InvalidDataError.for_fields({"topics": f"'{bad[0][:60]}': at most {MAX_TOPIC} characters, one line"})
    return cleaned


def add_user(rt: Runtime, *, username: str, password: str, role: str, actor: Actor, department: str | None = None,
             display_name: str = "", topics: list[str] | None = None) -> UserView:
    """Create an account (and its department when new); the system audit chain records who added whom."""
    access.require_role(actor, {Role.ADMIN, Role.SYSTEM}, "add users")
    name, role_, department = _checked(username, password, role, department)
    topics = _checked_topics(role_, topics)
    password_hash = _HASHER.hash(password)  # slow on purpose: outside the transaction
    now = rt.now()
    with rt.store.transaction() as session:
        if queries.user_by_name(session, name) is not None:
            raise InvalidDataError.for_fields({"username": f"'{name}' is taken"})
        if department and queries.department(session, department) is None:
            session.add(DepartmentRecord(code=department, name=department))
            audit.record(session, key=rt.settings.audit_key, case=None, event_type=EventType.DEPARTMENT_ADDED,
                         actor=actor, now=now, payload={"department": department})
        user = UserRecord(username=name, display_name=(display_name or name)[:200], password_hash=password_hash,
                          role=role_.value, department=department, active=True, created_at=now, topics=topics)
        session.add(user)
        audit.record(session, key=rt.settings.audit_key, case=None, event_type=EventType.USER_ADDED, actor=actor,
                     now=now, payload={"username": name, "role": role_.value, "department": department,
                                       **({"topics": topics} if topics else {})})
        session.flush()
        return UserView.of(user)


def list_users(rt: Runtime, *, actor: Actor) -> list[UserView]:
    access.require_role(actor, {Role.ADMIN, Role.AUDITOR, Role.SYSTEM}, "list users")
    with rt.store.transaction(write=False) as session:
        return [UserView.of(user) for user in queries.all_users(session)]


def disable_user(rt: Runtime, *, username: str, actor: Actor) -> UserView:
    """Switch an account off; it stays on record because audit events name it."""
    access.require_role(actor, {Role.ADMIN, Role.SYSTEM}, "disable users")
    with rt.store.transaction() as session:
        user = queries.user_by_name(session, (username or "").strip().lower())
        if user is None:
            raise UserNotFoundError(f"no user '{username}'")
        if user.active:
            user.active = False
            audit.record(session, key=rt.settings.audit_key, case=None, event_type=EventType.USER_DISABLED,
                         actor=actor, now=rt.now(), payload={"username": user.username})
        return UserView.of(user)


def authenticate(rt: Runtime, *, username: str, password: str, throttles: tuple[Throttle, Throttle],
                 client: str | None = None) -> Actor:
    """The actor a correct user name and password stand for; repeated failures are slowed down."""
    by_account, by_client = throttles
    name = (username or "").strip().lower()
    by_account.check(name, "sign-ins for this account")
    if client:
        by_client.check(client, "sign-ins from your address")
    user = None
    if _USERNAME.match(name):
        with rt.store.transaction(write=False) as session:
            user = queries.user_by_name(session, name)
    if not _verify(user.password_hash if user else _DUMMY_HASH, password or "") or user is None or not user.active:
        by_account.failed(name)
        if client:
            by_client.failed(client)
        raise InvalidCredentialsError("wrong user name or password")
    by_account.succeeded(name)
    if _HASHER.check_needs_rehash(user.password_hash):
        _rehash(rt, name, password)
    return Actor(user.username, Role(user.role), user.department)


def topics_of(rt: Runtime, *, actor: Actor) -> list[str]:
    """The external-task topics a worker account may fetch now (none for a missing or disabled account)."""
    with rt.store.transaction(write=False) as session:
        user = queries.user_by_name(session, actor.username)
        return list(user.topics or []) if user is not None and user.active else []


def current_actor(rt: Runtime, *, username: str) -> Actor | None:
    """The account as it stands now (None when missing or disabled), to re-check a signed token against."""
    with rt.store.transaction(write=False) as session:
        user = queries.user_by_name(session, username)
        if user is None or not user.active:
            return None
        return Actor(user.username, Role(user.role), user.department)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _rehash(rt: Runtime, username: str, password: str) -> None:
    new_hash = _HASHER.hash(password)
    with rt.store.transaction() as session:
        user = queries.user_by_name(session, username)
        if user is not None:
            user.password_hash = new_hash
