"""Small builders that read like the officer's language: an_officer(), a_deployed(), a_case()."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from api.server import procedure_folder_files
from engine.domain import Actor, Role
from engine.services import cases, procedures
from engine.services.runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PROCESSES = ROOT / "processes"


def an_admin(name: str = "ada") -> Actor:
    return Actor(name, Role.ADMIN)


def an_officer(name: str = "olga", department: str = "cityscape") -> Actor:
    return Actor(name, Role.OFFICER, department)


def a_supervisor(name: str = "sam", department: str = "cityscape") -> Actor:
    return Actor(name, Role.SUPERVISOR, department)


def a_legal_reviewer(name: str = "lena", department: str = "cityscape") -> Actor:
    return Actor(name, Role.LEGAL_REVIEWER, department)


def an_auditor(name: str = "audrey") -> Actor:
    return Actor(name, Role.AUDITOR)


def files_of(*paths: str | Path) -> dict[str, bytes]:
    result = {}
    for path in paths:
        path = Path(path)
        if not path.is_absolute():
            path = FIXTURES / path
        result[path.name] = path.read_bytes()
    return result


def procedure_files(name: str) -> dict[str, bytes]:
    return procedure_folder_files(PROCESSES / name)


def a_deployed(rt: Runtime, *paths: str | Path) -> str:
    return procedures.deploy_procedure(rt, files=files_of(*paths), actor=an_admin()).key


def a_case(rt: Runtime, procedure: str = "notice", actor: Actor | None = None, **data: Any):
    data.setdefault("party", {"name": "Green Grocer Ltd", "type": "organisation", "id_number": "91310000MA1K00001X"})
    data.setdefault("location", {"address": "12 Huaihai Road", "grid_cell": "HP-0412"})
    return cases.open_case(rt, procedure=procedure, data=data, actor=actor or an_officer())


def the_notice(rt: Runtime) -> str:
    return a_deployed(rt, "notice.bpmn", "fine_amount.dmn")
