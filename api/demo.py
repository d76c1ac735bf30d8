"""Demo data for `dueflow serve --demo`: a department, one user per role, and a few cases at different stages."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from engine.domain import Actor, DueflowError, Role
from engine.services import cases, procedures, tasks, users
from engine.services.runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent
FALLBACK = (ROOT / "tests" / "fixtures" / "notice.bpmn", ROOT / "tests" / "fixtures" / "fine_amount.dmn")
PREFERRED_FOLDER = "ordinary_procedure"
DEPARTMENT = "cityscape"
PASSWORD = "dueflow-demo"
USERS = {role: role.value for role in (Role.ADMIN, Role.OFFICER, Role.SUPERVISOR, Role.LEGAL_REVIEWER, Role.DISPATCHER,
                                      Role.AUDITOR)}  # sign in as the role you want to try
SETUP = Actor.system("dueflow-demo")
# The agency's contact for the party portal in a demo (`dueflow serve --demo`), where the environment sets none.
AGENCY_CONTACT = {
    "DUEFLOW_AGENCY_PHONE": "021-6320 1234",
    "DUEFLOW_AGENCY_ADDRESS": "示范市黄浦区福州路 188 号 城市管理执法局 一楼服务窗口",
    "DUEFLOW_AGENCY_ADDRESS_EN": "Service desk, ground floor, 188 Fuzhou Road, Huangpu District, Demo City",
    "DUEFLOW_AGENCY_HOURS": "工作日 9:00–17:00（法定节假日除外）",
    "DUEFLOW_AGENCY_HOURS_EN": "Working days 9:00–17:00 (closed on public holidays)",
    "DUEFLOW_AGENCY_PAYMENT": "持处罚决定书到示范市任一中国工商银行网点缴纳，或在“示范市政务服务”应用中扫描决定书上的缴款码缴纳",
    "DUEFLOW_AGENCY_PAYMENT_EN": "At any Industrial and Commercial Bank of China branch in Demo City with the decision, "
                                 "or by scanning the payment code on the decision in the Demo City government app",
}
PARTIES = [("Green Grocer Ltd", "organisation", "12 Huaihai Road", "HP-0412"),
           ("Wang Fang", "person", "88 Fuxing Road", "HP-0415"),
           ("Blue Sky Signs Co.", "organisation", "3 Nanjing West Road", "JA-0107"),
           ("Li Wei", "person", "21 Yanan Road", "JA-0110"),
           ("Harbour Noodle House", "organisation", "5 Zhongshan East Road", "HP-0420")]
STEPS = [0, 1, 2, 3, 5]  # tasks completed on each demo case, so they stand at different stages


def seed(rt: Runtime, deployed: dict[str, str]) -> list[str]:
    """Add what is missing (so restarting with --demo is harmless) and return the lines to print."""
    lines = ["demo logins (password for all: %s):" % PASSWORD]
    known = {user.username for user in users.list_users(rt, actor=SETUP)}
    for role, username in USERS.items():
        if username not in known:
            department = DEPARTMENT if role in users.DEPARTMENT_ROLES else None
            users.add_user(rt, username=username, password=PASSWORD, role=role.value, department=department,
                           actor=SETUP, display_name=f"Demo {role.value.replace('_', ' ')}")
        lines.append(f"  {role.value:15} {username}")
    _, total = cases.list_cases(rt, actor=SETUP, limit=1)
    if total:
        lines.append(f"demo cases: {total} case(s) already in the database; none added")
        return lines
    key = deployed.get(PREFERRED_FOLDER) or _fallback_procedure(rt)
    if key is None:
        lines.append("demo cases: no procedure to open them on")
        return lines
    lines.append(f"demo cases on procedure '{key}' (case number, access code for the party, stage):")
    officer = Actor(USERS[Role.OFFICER], Role.OFFICER, DEPARTMENT)
    categories = _categories(rt, key)
    for number, (steps_done, (name, kind, address, grid)) in enumerate(zip(STEPS, PARTIES)):
        view = cases.open_case(rt, procedure=key, actor=officer, data={
            "party": {"name": name, "type": kind}, "location": {"address": address, "grid_cell": grid},
            "category": categories[number % len(categories)]})
        code = view.access_code
        for _ in range(steps_done):
            if not view.ready_tasks:
                break
            try:
                view = _complete_first(rt, view)
            except DueflowError as exc:  # a gate or a form the filler cannot satisfy: leave the case there
                lines.append(f"  (stopped advancing {view.case_no}: {exc.message})")
                break
        lines.append(f"  {view.case_no}  {code}  {view.status}/{view.stage or '-'}")
    return lines


def _categories(rt: Runtime, key: str) -> list[str]:
    """The case categories the procedure declares (process property `categories`), else a generic one."""
    version = max(p.version for p in procedures.list_procedures(rt) if p.key == key)
    _, text = procedures.procedure_file(rt, key=key, version=version)
    declared = re.search(r'name="categories"\s+value="([^"]*)"', text)
    found = [c.strip() for c in declared.group(1).split(",") if c.strip()] if declared else []
    return found or ["street_order"]


def _fallback_procedure(rt: Runtime) -> str | None:
    if not all(path.exists() for path in FALLBACK):
        return None
    files = {path.name: path.read_bytes() for path in FALLBACK}
    return procedures.deploy_procedure(rt, files=files, actor=SETUP).key


def _complete_first(rt: Runtime, view):
    task = view.ready_tasks[0]
    role = Role(task.role or Role.OFFICER.value)
    actor = Actor(USERS.get(role, USERS[Role.OFFICER]), role, task.department)
    form = tasks.get_task(rt, task_id=task.id, actor=actor).form
    return tasks.complete_task(rt, task_id=task.id, data=_filled(form), actor=actor)


def _filled(form: list[dict[str, Any]]) -> dict[str, Any]:
    """Plausible answers for a form: the last enum option (the weightier outcome), yes, today, the minimum."""
    data: dict[str, Any] = {}
    for field in form:
        kind, default = field["type"], field.get("default")
        if field.get("readonly"):
            continue
        if kind == "enum" and field.get("options"):
            data[field["id"]] = field["options"][-1]["id"]
        elif kind == "boolean":
            data[field["id"]] = True
        elif kind == "date":
            data[field["id"]] = date.today().isoformat()
        elif kind == "long":
            data[field["id"]] = default if default not in (None, "") else field.get("constraints", {}).get("min", 1)
        else:
            data[field["id"]] = default or f"demo {field.get('label') or field['id']}".lower()
    return data
