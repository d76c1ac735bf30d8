"""The court package (CL 53-55): the application for compulsory enforcement assembled from the record only.

It needs the penalty decision served, every statement of the party re-checked, the demand (CL 35) served and
its period run, what is to be enforced, the evidence, and the CL 53 periods run (no reconsideration or suit
within them: 6 months after the decision's service), within the 3 months that follow. Anything missing is
refused, each item named. The package is one PDF (a numbered document, sha256 audited) and a manifest listing
every document and evidence item it relies on with their sha256."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine import audit
from engine.domain import Actor, CourtPackageIncompleteError, EventType, Role
from engine.services import access, issuing
from engine.services.gates import RECHECK_STAGES, STATEMENT_MESSAGES
from engine.services.runtime import Runtime
from engine.store import DocumentRecord, queries

ASSEMBLERS = (Role.LEGAL_REVIEWER, Role.ADMIN)
LITIGATION_MONTHS = 6  # Administrative Litigation Law 46: suit within 6 months of knowing the decision
APPLICATION_MONTHS = 3  # CL 53: apply within 3 months after the periods end


@dataclass
class CourtPackage:
    document: issuing.IssuedDocument
    manifest: dict[str, Any]
    manifest_document_id: int

    def as_dict(self) -> dict[str, Any]:
        return {"document": self.document.as_dict(), "manifest": self.manifest,
                "manifest_document_id": self.manifest_document_id}


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it has fewer days)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _latest_served(records: list[DocumentRecord], template: str) -> DocumentRecord | None:
    replaced = {r.replaces_id for r in records if r.replaces_id}
    served = [r for r in records if r.template == template and r.served_at and r.id not in replaced]
    return served[-1] if served else None


def _service(record: DocumentRecord) -> dict[str, Any]:
    service = record.service or {}
    return {"number": record.number, "sha256": record.sha256, "served_at": record.served_at.isoformat()
            if record.served_at else None, "method": service.get("method"), "recipient": service.get("recipient"),
            "tracking_no": service.get("tracking_no"), "proof": (service.get("proof") or {}).get("sha256")}


def _statements(session, case, stages: dict[str, str | None]) -> tuple[list, list, int]:
    statements, rechecks, pending = [], [], 0
    for event in queries.audit_events(session, case.id):
        payload = json.loads(event.payload)
        if event.event_type == EventType.MESSAGE_RECEIVED and payload.get("message") in STATEMENT_MESSAGES:
            data = payload.get("data") or {}
            statements.append({"at": event.occurred_at.isoformat(), "text": data.get("text") or data.get("statement") or data.get("reason")
                               or payload.get("message")})
            pending += 1
        elif event.event_type == EventType.TASK_COMPLETED and stages.get(event.element_id or "") in RECHECK_STAGES:
            data = payload.get("data") or {}
            text = "; ".join(str(v) for k, v in data.items() if k.startswith(("recheck", "transcript", "revised")))
            rechecks.append({"at": event.occurred_at.isoformat(), "text": text or payload.get("name")})
            pending = 0
    return statements, rechecks, pending


def _timeline(session, case) -> list[dict[str, str]]:
    return [{"at": e.occurred_at.isoformat(), "what": f"{e.event_type} {e.element_id or ''} ({e.actor_role})"}
            for e in queries.audit_events(session, case.id)]


def assemble(rt: Runtime, *, case_id: int, actor: Actor, lang: str = "zh_Hans") -> CourtPackage:
    """Assemble, number and store the court package of a case, or refuse naming each missing item."""
    access.require_role(actor, ASSEMBLERS, "assemble a court package")
    now = rt.now()
    with rt.store.transaction() as session:
        case = issuing.locked_case_for_papers(session, case_id, actor)
        procedure, label = rt.procedure_by_version_id(session, case.procedure_version_id)
        records = list(queries.documents_of_case(session, case.id))
        data = issuing.case_variables(session, case.id)
        stages = {key: info.stage for key, info in procedure.elements.items()}
        package, missing = _contents(session, case, records, data, stages, now)
        if missing:
            raise CourtPackageIncompleteError(
                f"the court package of {case.case_no} cannot be assembled: {', '.join(sorted(missing))}",
                [{"field": item, "message": why} for item, why in sorted(missing.items())])
        record = issuing.store_document(rt, session, case, template="court_package", lang=lang, actor=actor,
                                        now=now, data=data, label=label, extra={"pkg": package})
        manifest = {"case_no": case.case_no, "package": {"number": record.number, "sha256": record.sha256},
                    "decision": package["decision"], "demand": package["demand"], "amount": package["amount"],
                    "statements": len(package["statements"]), "rechecks": len(package["rechecks"]),
                    "evidence": package["evidence"], "timeline_events": len(package["timeline"]),
                    "audit_head": case.audit_head}
        content = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
        digest = hashlib.sha256(content).hexdigest()
        manifest_record = DocumentRecord(case_id=case.id, kind="court_package_manifest", media_type="application/json",
                                         filename=f"{case.case_no}-court-package-manifest.json", sha256=digest,
                                         size=len(content), content=content, visible_to_party=False,
                                         created_by=actor.username, created_at=now)
        session.add(manifest_record)
        session.flush()
        audit.record(session, key=rt.settings.audit_key, case=case, event_type=EventType.COURT_PACKAGE_ASSEMBLED,
                     actor=actor, now=now, procedure_version=label,
                     payload={"document_id": record.id, "number": record.number, "sha256": record.sha256,
                              "manifest_document_id": manifest_record.id, "manifest_sha256": digest})
        queries.save_case(session, case)
        return CourtPackage(issuing.IssuedDocument.of(record), manifest, manifest_record.id)


def _contents(session, case, records, data, stages, now) -> tuple[dict[str, Any], dict[str, str]]:
    missing: dict[str, str] = {}
    decision = _latest_served(records, "penalty_decision")
    demand = _latest_served(records, "demand_notice")
    if decision is None:
        missing["decision"] = "no penalty decision served on the party"
    if demand is None:
        missing["demand"] = "no written demand (CL 35) served on the party"
    for name in ("facts", "legal_basis", "fine_amount"):
        if data.get(name) in (None, ""):
            missing[name] = "the decision's record has no value for it"
    amount = data.get("amount_due", data.get("fine_amount"))
    if amount in (None, ""):
        missing["amount_due"] = "what is to be enforced is not on the record"
    statements, rechecks, pending = _statements(session, case, stages)
    if pending:
        missing["statements"] = f"{pending} statement(s) of the party have no recorded re-check (PL 45)"
    evidence = [{"name": r.filename, "sha256": r.sha256, "document_id": r.id} for r in records if r.kind == "evidence"]
    if data.get("evidence_summary"):
        evidence.append({"name": str(data["evidence_summary"]), "sha256": "", "document_id": None})
    if not evidence:
        missing["evidence"] = "no evidence on the record"
    if decision is not None and decision.served_at is not None:
        suit_ends = add_months(decision.served_at, LITIGATION_MONTHS)
        if now < suit_ends:
            missing["periods"] = (f"the party may still sue until {suit_ends.isoformat()} (CL 53: apply only after "
                                  "the periods for reconsideration and suit)")
        elif now > add_months(suit_ends, APPLICATION_MONTHS):
            missing["periods"] = f"the 3 months of CL 53 after {suit_ends.isoformat()} have passed"
    if demand is not None:
        performance = ((demand.service or {}).get("periods") or {}).get("performance")
        if performance and now < datetime.fromisoformat(performance):
            missing["demand_period"] = f"the demand's period runs until {performance} (CL 37, 54)"
    package = {"decision": _service(decision) if decision else {}, "demand": _service(demand) if demand else {},
               "amount": amount, "statements": statements, "rechecks": rechecks, "evidence": evidence,
               "timeline": _timeline(session, case)}
    return package, missing


