"""Migration plans in the reader's language: the statuses of a plan and of its cases, why a deadline keeps or
changes its time, and the engine's reasons a case cannot move (matched by pattern, as field errors are)."""
from __future__ import annotations

import re

from api.web.i18n import N_, gettext
from api.web.texts import label, matched

STATUSES = {"proposed": N_("Awaiting approval"), "approved": N_("Approved"), "run": N_("Run"),
            "reverted": N_("Reverted"), "movable": N_("Can move"), "refused": N_("Cannot move"),
            "moved": N_("Moved"), "failed": N_("Failed: stayed on its version")}
DEADLINE_WHY = {"kept": N_("Keeps its original due time"), "gone": N_("No longer waited on at the new position"),
                "new": N_("A new wait at the new position"), "moved": N_("Moved by the plan")}
_E = r"'(?P<element>[^']+)'"
REASONS: list[tuple[re.Pattern, str]] = [(re.compile(pattern), message) for pattern, message in [
    (rf"^(in subprocess '[^']+': )?the case is at {_E}, which has no counterpart in the target version",
     N_("The case is at %(element)s, which the new version does not have: map it to an element of the new version.")),
    (rf"^(in subprocess '[^']+': )?{_E}, on the path the case took to its position, has no counterpart",
     N_("%(element)s, on the path the case took, is not in the new version: map it to an element of the new "
        "version.")),
    (rf"^(in subprocess '[^']+': )?{_E} changed kind \((?P<old>\w+) -> (?P<new>\w+)\)",
     N_("%(element)s changed kind (%(old)s to %(new)s): the case's position there cannot be carried over.")),
    (rf"^the case is inside subprocess {_E}, which the target version does not have",
     N_("The case is inside the subprocess %(element)s, which the new version does not have.")),
    (rf"^subprocess {_E} changed shape", N_("The subprocess %(element)s changed shape in the new version.")),
    (rf"^from its new position the case could reach the penalty decision {_E} without the rights notice",
     N_("From its new position the case could reach the penalty decision %(element)s without the rights notice it "
        "has not had (PL 44, 62).")),
    (rf"^from its new position the case could reach the penalty decision {_E} before its statement period",
     N_("From its new position the case could reach the penalty decision %(element)s before its statement period "
        "has run (PL 44-45).")),
    (r"^the target version's start form requires '(?P<field>[^']+)'",
     N_("The new version's start form requires %(field)s, which the case lacks.")),
    (rf"^the target's form of {_E} shows '(?P<field>[^']+)'",
     N_("The new form of %(element)s shows %(field)s, which the case lacks.")),
    (r"^the case has taken a step since it moved",
     N_("The case has taken a step since it moved; it stays on the new version.")),
    (r"^the case is no longer running on the plan's source version",
     N_("The case is no longer running on the plan's old version.")),
]]


def migration_status(code: str | None) -> str:
    return label(STATUSES, code)


def migration_reason(text: str | None) -> str:
    return matched(REASONS, text)


def deadline_why(row: dict) -> str:
    """Why a deadline keeps or changes its due time, in words."""
    why = label(DEADLINE_WHY, row.get("why"))
    if row.get("why") == "moved" and row.get("reason"):
        return f"{why}: {row['reason']}"
    if row.get("target_timer"):
        return why + gettext("; the new version's timer (%(timer)s) applies to new waits only") % {
            "timer": row["target_timer"]}
    return why
