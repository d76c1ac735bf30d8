"""Who may do what: the authorisation rules every use case (and so every endpoint and page) applies."""
from __future__ import annotations

from engine.domain import Actor, CaseNotFoundError, ForbiddenError, Role, TaskNotFoundError
from engine.store import queries

# Roles that read every department's cases: they work across departments or oversee them.
ALL_DEPARTMENTS = frozenset({Role.ADMIN, Role.AUDITOR, Role.DISPATCHER, Role.COORDINATOR, Role.SYSTEM})
CASE_OPENERS = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.DISPATCHER, Role.INSPECTOR, Role.ADMIN, Role.SYSTEM})
CASE_CANCELLERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM})
# Roles that may hand a case to another department (the dispatch step of the closed loop, a re-dispatch).
DISPATCHERS = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM})
MESSAGE_SENDERS = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.LEGAL_REVIEWER, Role.SYSTEM})
PARTY_MESSAGES = frozenset({"statement_received", "hearing_requested", "waiver_received"})


def role_of(actor: Actor) -> Role:
    return actor.role if isinstance(actor.role, Role) else Role(actor.role)


def departments_visible(actor: Actor) -> list[str] | None:
    """The departments whose cases the actor may read; None means all of them."""
    if role_of(actor) in ALL_DEPARTMENTS:
        return None
    return [actor.department] if actor.department else []


def require_role(actor: Actor, allowed, action: str) -> None:
    if role_of(actor) not in allowed:
        raise ForbiddenError(f"a {role_of(actor).value} may not {action}")


def require_case_visible(actor: Actor, department: str, case_no: str | None = None) -> None:
    visible = departments_visible(actor)
    if visible is not None and department not in visible:
        raise ForbiddenError("this case belongs to another department")


def can_read_case(session, actor: Actor, case) -> bool:
    """Staff read their department's cases, and a case in which their department holds a task (joint
    enforcement, or a case handed over to another department)."""
    visible = departments_visible(actor)
    if visible is None or case.department in visible:
        return True
    return bool(actor.department and queries.department_has_task(session, case.id, actor.department))


def require_case_readable(session, actor: Actor, case) -> None:
    """A case the actor may not read is answered exactly as a missing one (404, same body), on every case
    route: a 403 would tell a caller which case ids exist. Refusals that follow from the case (another
    department may read it but not change it) stay 403."""
    if not can_read_case(session, actor, case):
        raise CaseNotFoundError(f"no case {case.id}")


def require_task_readable(session, actor: Actor, task, case) -> None:
    """A task of a case the actor may not read is answered as a missing task (404), like the case itself."""
    visible = departments_visible(actor)
    if visible is None or task.department in visible or can_read_case(session, actor, case):
        return
    raise TaskNotFoundError(f"no task {task.id}")


def require_can_act_on_case(actor: Actor, department: str) -> None:
    """Changing a case: its own department's staff, or system actors; auditors never change anything."""
    role = role_of(actor)
    if role in (Role.AUDITOR, Role.PARTY):
        raise ForbiddenError(f"a {role.value} may not change cases")
    if role in (Role.SYSTEM, Role.ADMIN):
        return
    if actor.department != department:
        raise ForbiddenError("this case belongs to another department")


def require_task_role(actor: Actor, task_role: str | None, task_department: str) -> None:
    require_can_act_on_case(actor, task_department)
    if role_of(actor) == Role.SYSTEM:
        return
    needed = task_role or Role.OFFICER.value
    if role_of(actor).value != needed:
        raise ForbiddenError(f"this task is in the {needed} lane; a {role_of(actor).value} may not complete it")


def require_message_sender(actor: Actor, name: str, department: str) -> None:
    if role_of(actor) == Role.PARTY:
        if name not in PARTY_MESSAGES:
            raise ForbiddenError(f"a party may not send '{name}'")
        return
    require_role(actor, MESSAGE_SENDERS, "deliver messages")
    require_can_act_on_case(actor, department)
