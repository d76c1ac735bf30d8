"""`dueflow demo`: one case through the ordinary procedure on a local SQLite file, printed as a timeline with the
audit verification at the end. Time is moved by a clock the walkthrough holds, so deadlines pass at once. The
steps issue their documents (order to correct, rights notice, penalty decision); each is served, and at the end
the case's PDFs are written next to the database and listed with their numbers and sha256."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from engine.bootstrap import build_runtime, settings_from_env
from engine.domain import Actor, FixedClock, Role
from engine.services import cases, issuing, procedures, tasks, timers

ROOT = Path(__file__).resolve().parent.parent
SYSTEM = Actor.system("dueflow-demo")
OFFICER = Actor("olga", Role.OFFICER, "cityscape")
SUPERVISOR = Actor("sam", Role.SUPERVISOR, "cityscape")
REVIEWER = Actor("lena", Role.LEGAL_REVIEWER, "cityscape")

# (who, task, form data) — a noise case that is not corrected, is notified, decided, served and paid
# who is an Actor, "wait" (what: days), "message" (what: its name) or "serve" (what: the document's template)
STEPS: list[tuple[Any, Any, Any]] = [
    (OFFICER, "register_case", {"facts": "amplified music after 22:00", "legal_basis": "Noise Law art. 87",
                                "filed_on": "{today}"}),
    (OFFICER, "investigate", {"evidence_summary": "72 dB(A) at the nearest window", "second_officer": "oscar",
                              "severity": "moderate", "prior_offences": 1}),
    (OFFICER, "determine", {"outcome": "violation"}),
    (OFFICER, "order_correction", {"correction_required": "no amplified music after 22:00", "remedy_days": 7}),
    ("serve", "order_to_correct", {"method": "in_person", "recipient": "Manager Wang Wu"}),
    ("wait", 8, None),
    (OFFICER, "reinspect", {"corrected": False}),
    (OFFICER, "serve_rights_notice", {"served_on": "{today}", "service_method": "in_person"}),
    ("serve", "rights_notice", {"method": "registered_mail", "recipient": "12 Huaihai Road",
                                "tracking_no": "EMS1234567890CN"}),
    ("wait", 10, None),
    (REVIEWER, "legal_review", {"review_opinion": "facts, evidence and basis are sound", "approved": True}),
    (SUPERVISOR, "decide_penalty", {"fine_amount": 2000, "decision_no": "CG-2026-001", "decided_on": "{today}"}),
    (OFFICER, "serve_decision", {"decision_served_on": "{today}", "decision_service_method": "in_person"}),
    ("serve", "penalty_decision", {"method": "in_person", "recipient": "Manager Wang Wu"}),
    ("message", "fine_paid", {"receipt": "BOC-2026-0001"}),
]


def run(url: str = "sqlite:///var/demo.db", out=print) -> int:
    """Deploy the bundled procedures, walk one case to its end, print its timeline; 0 when the audit verifies."""
    clock = FixedClock(datetime.now(timezone.utc).replace(microsecond=0))
    # the installation's keys (var/): a second demo on the same file still verifies the first one's events
    rt = build_runtime(settings_from_env(database_url=url), clock=clock)
    folder = ROOT / "processes" / "ordinary_procedure"
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix in (".bpmn", ".dmn")}
    deployed = procedures.deploy_procedure(rt, files=files, actor=SYSTEM)
    out(f"procedure {deployed.key} version {deployed.version} ({'deployed' if deployed.created else 'already there'})")
    case = cases.open_case(rt, procedure="ordinary_procedure", actor=OFFICER, data={
        "category": "noise", "party": {"name": "Green Grocer Ltd", "type": "organisation"},
        "location": {"address": "12 Huaihai Road", "grid_cell": "HP-0412"}})
    out(f"case {case.case_no} opened; the party's access code is {case.access_code}")
    for who, what, data in STEPS:
        if who == "wait":
            clock.advance(days=what)
            fired = timers.fire_due_timers(rt)
            out(f"  ... {what} days pass ({len(fired.cases)} case(s) had a deadline fire)")
            continue
        if who == "serve":
            _serve(rt, case.id, what, data, clock.now)
            continue
        if who == "message":
            case = cases.deliver_message(rt, case_id=case.id, name=what, payload=data, actor=OFFICER)
            continue
        task = next(t for t in cases.get_case(rt, case_id=case.id, actor=SYSTEM).ready_tasks if t.element_id == what)
        filled = {k: (clock.now.date().isoformat() if v == "{today}" else v) for k, v in data.items()}
        case = tasks.complete_task(rt, task_id=task.id, data=filled, actor=who)
    out(f"case {case.case_no}: {case.status}, outcome {case.outcome}")
    out("timeline:")
    for event in cases.case_audit(rt, case_id=case.id, actor=SYSTEM):
        at = datetime.fromisoformat(event["occurred_at"]).strftime("%Y-%m-%d %H:%M")
        out(f"  {event['seq']:3} {at}  {event['actor']:>8} ({event['actor_role']:<14}) "
            f"{event['event_type']:<20} {event['element_id'] or ''}")
    _write_documents(rt, case, url, out)
    report = cases.verify_audit(rt, actor=SYSTEM)
    out(f"audit verification: {'intact' if report['ok'] else 'BROKEN'} — {report['cases']} case(s), "
        f"{report['events']} event(s), {len(report['problems'])} problem(s)")
    out(f"export the case file anyone can check offline: dueflow export {case.case_no} --out case-{case.case_no}.zip "
        f"--db {url}, then: dueflow verify-export case-{case.case_no}.zip")
    rt.store.dispose()
    return 0 if report["ok"] else 1


def _serve(rt, case_id: int, template: str, how: dict[str, Any], now: datetime) -> None:
    issued = [d for d in issuing.list_issued(rt, case_id=case_id, actor=SYSTEM) if d.template == template]
    issuing.serve_document(rt, case_id=case_id, document_id=issued[-1].view.id, served_at=now, actor=OFFICER, **how)


def _write_documents(rt, case, url: str, out) -> None:
    """The case's issued documents as PDF files beside the database (var/ for the default), and the command
    that exports the whole case file."""
    folder = (Path(url.removeprefix("sqlite:///")).parent if url.startswith("sqlite:///") else Path("var"))
    folder = folder / "documents" / case.case_no
    folder.mkdir(parents=True, exist_ok=True)
    out(f"documents of case {case.case_no} (in {folder}):")
    for view, content in issuing.case_documents_for_export(rt, case_id=case.id, actor=SYSTEM):
        if not view.number:
            continue
        (folder / view.view.filename).write_bytes(content)
        served = f"served {view.served_at[:16]} ({view.service['method']})" if view.served_at and view.service \
            else "not served"
        out(f"  {view.number}  {view.view.filename}  {served}  sha256 {view.view.sha256[:16]}…")
    out(f"export the case file: dueflow export {case.case_no} --db {url} --out {case.case_no}.zip")
