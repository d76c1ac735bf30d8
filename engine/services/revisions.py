"""Procedure revisions for the modeler: a version's sources, checking a draft without deploying it, and what
changed between two versions (elements added, removed or renamed; stages, lanes, timers, forms, files)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from engine import bpmn, documents, policy
from engine.domain import (Actor, CaseStatus, InvalidDataError, ProcedureInvalidError, ProcedureNotFoundError, Problem,
                           Role)
from engine.services import access, issuing
from engine.services.procedures import document_checks, with_lanes
from engine.services.runtime import Runtime
from engine.store import ProcedureVersionRecord, queries
from engine.workflow import Procedure, parse_procedure

STAFF = frozenset({Role.ADMIN, Role.OFFICER, Role.SUPERVISOR, Role.LEGAL_REVIEWER, Role.DISPATCHER, Role.AUDITOR,
                   Role.SYSTEM})
RUNNING = frozenset({CaseStatus.OPEN.value, CaseStatus.SUSPENDED.value})


@dataclass
class VersionDiff:
    """What changed from one version of a procedure to the next; ids are the stable BPMN element ids."""

    key: str
    old: int
    new: int
    added: list[dict[str, str]] = field(default_factory=list)  # id, name, kind
    removed: list[dict[str, str]] = field(default_factory=list)
    renamed: list[dict[str, Any]] = field(default_factory=list)  # id, old, new, old_names, new_names (per locale)
    stages: list[dict[str, Any]] = field(default_factory=list)  # id, name, old, new
    lanes: list[dict[str, Any]] = field(default_factory=list)
    timers: list[dict[str, Any]] = field(default_factory=list)  # id, name, old, new (expressions)
    forms: list[dict[str, Any]] = field(default_factory=list)  # id, name, added, removed, changed (field ids)
    files: list[dict[str, str]] = field(default_factory=list)  # name, change: added | removed | changed

    @property
    def empty(self) -> bool:
        return not any((self.added, self.removed, self.renamed, self.stages, self.lanes, self.timers, self.forms,
                        self.files))

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "empty": self.empty}


def version_sources(rt: Runtime, *, key: str, version: int, actor: Actor) -> dict[str, str]:
    """Every file of a stored version (file name -> text): the modeler opens the BPMN and deploys the rest
    unchanged beside the edited diagram."""
    access.require_role(actor, STAFF, "read procedure sources")
    with rt.store.transaction(write=False) as session:
        record = queries.procedure_version(session, key, version)
        if record is None:
            raise ProcedureNotFoundError(f"no version {version} of procedure '{key}'")
        return dict(record.sources)


def version_diagram(rt: Runtime, *, key: str, version: int, actor: Actor, labels: str | None = None) -> str:
    """A version's BPMN for the diagram on a page, laid out when the file has no diagram of its own; with
    `labels` (a locale) its names are those the procedure gives in that language."""
    sources = version_sources(rt, key=key, version=version, actor=actor)
    name = next((n for n in sorted(sources) if n.lower().endswith(".bpmn")), None)
    text = bpmn.with_diagram(sources[name]) if name else ""
    return bpmn.with_names_in(text, labels) if labels and text else text


def check_draft(rt: Runtime, *, files: Mapping[str, bytes], actor: Actor,
                lanes: Mapping[str, Any] | str | None = None) -> list[dict[str, Any]]:
    """What a deploy of these files would report (parse, safety and due-process problems, warnings too),
    without storing anything: the modeler marks them on the diagram before the admin deploys."""
    access.require_role(actor, {Role.ADMIN, Role.SYSTEM}, "check procedures")
    files = with_lanes(files, lanes)
    problems: list[Problem] = []
    graphs = None
    try:
        parsed = parse_procedure(dict(files))
        problems.extend(parsed.source.warnings)
        problems.extend(document_checks(parsed, files))
        graphs = parsed.source.graphs
    except ProcedureInvalidError as exc:
        problems.extend(exc.problems)
    seen = {(p.file, p.line, p.rule, p.message) for p in problems}
    problems.extend(p for p in policy.lint_procedure(dict(files), graphs=graphs)
                    if (p.file, p.line, p.rule, p.message) not in seen)
    return [p.as_dict() for p in problems]


def _files(record: ProcedureVersionRecord) -> dict[str, bytes]:
    return {name: text.encode("utf-8") for name, text in record.sources.items()}


def _timers(record: ProcedureVersionRecord) -> dict[str, dict[str, Any]]:
    published = policy.procedure_stages(_files(record)).get(record.key, {})
    return {timer["element_id"]: timer for timer in published.get("timers", [])}


def _form(procedure: Procedure, element_id: str) -> dict[str, dict[str, Any]]:
    return {f.id: f.as_dict() for f in procedure.form(element_id)}


def _diff(rt: Runtime, old: ProcedureVersionRecord, new: ProcedureVersionRecord) -> VersionDiff:
    before, after = rt.procedure(old), rt.procedure(new)
    diff = VersionDiff(key=new.key, old=old.version, new=new.version)
    a, b = before.elements, after.elements
    for element_id in sorted(b.keys() - a.keys()):
        diff.added.append({"id": element_id, "name": b[element_id].label, "kind": b[element_id].kind})
    for element_id in sorted(a.keys() - b.keys()):
        diff.removed.append({"id": element_id, "name": a[element_id].label, "kind": a[element_id].kind})
    for element_id in sorted(a.keys() & b.keys()):
        was, now = a[element_id], b[element_id]
        if was.name != now.name or was.names != now.names:  # a translation renamed counts too
            diff.renamed.append({"id": element_id, "old": was.label, "new": now.label,
                                 "old_names": was.names, "new_names": now.names})
        if was.stage != now.stage:
            diff.stages.append({"id": element_id, "name": now.label, "old": was.stage, "new": now.stage})
        if was.lane != now.lane:
            diff.lanes.append({"id": element_id, "name": now.label, "old": was.lane, "new": now.lane})
        form_was, form_now = _form(before, element_id), _form(after, element_id)
        if form_was != form_now:
            diff.forms.append({"id": element_id, "name": now.label, "added": sorted(form_now.keys() - form_was.keys()),
                               "removed": sorted(form_was.keys() - form_now.keys()),
                               "changed": sorted(k for k in form_was.keys() & form_now.keys()
                                                 if form_was[k] != form_now[k])})
    timers_was, timers_now = _timers(old), _timers(new)
    for element_id in sorted(timers_was.keys() & timers_now.keys()):
        timer_was, timer_now = timers_was[element_id], timers_now[element_id]
        if (timer_was["kind"], timer_was["expression"]) != (timer_now["kind"], timer_now["expression"]):
            diff.timers.append({"id": element_id, "name": timer_now.get("name") or element_id,
                                "old": timer_was["expression"], "new": timer_now["expression"]})
    for name in sorted(old.sources.keys() | new.sources.keys()):
        if name not in old.sources:
            diff.files.append({"name": name, "change": "added"})
        elif name not in new.sources:
            diff.files.append({"name": name, "change": "removed"})
        elif old.sources[name] != new.sources[name] and not name.lower().endswith(".bpmn"):
            diff.files.append({"name": name, "change": "changed"})  # a BPMN change shows element by element
    return diff


def diff_versions(rt: Runtime, *, key: str, old: int, new: int, actor: Actor) -> VersionDiff:
    access.require_role(actor, STAFF, "compare procedure versions")
    with rt.store.transaction(write=False) as session:
        records = version_records(session, key, old, new)
        return _diff(rt, records[0], records[1])


def version_records(session: Any, key: str, *numbers: int) -> list[ProcedureVersionRecord]:
    """The named versions of a procedure, in the order asked; a number never deployed is refused by name."""
    found = []
    for number in numbers:
        record = queries.procedure_version(session, key, number)
        if record is None:
            raise ProcedureNotFoundError(f"no version {number} of procedure '{key}'")
        found.append(record)
    return found


def procedure_history(rt: Runtime, *, actor: Actor) -> list[dict[str, Any]]:
    """Every procedure with its versions, newest first, each with what changed since the version before, how
    many cases run on it (open or suspended) and have finished on it, and the version new cases get."""
    access.require_role(actor, STAFF, "read procedures")
    with rt.store.transaction(write=False) as session:
        records = list(queries.all_procedures(session))
        counts = queries.case_counts_by_version(session)
    by_key: dict[str, list[ProcedureVersionRecord]] = {}
    for record in records:
        by_key.setdefault(record.key, []).append(record)
    result = []
    for key, versions in sorted(by_key.items()):
        versions.sort(key=lambda r: r.version)
        rows = []
        for previous, record in zip([None, *versions[:-1]], versions):
            rows.append({"version": record.version, "name": record.name, "sha256": record.sha256,
                         "status": record.status, "deployed_by": record.deployed_by,
                         "deployed_at": record.deployed_at.isoformat() if record.deployed_at else None,
                         "files": sorted(record.sources), "lint": list(record.lint or []),
                         "documents": version_documents(record.sources),
                         "running": sum(n for status, n in counts.get(record.id, {}).items() if status in RUNNING),
                         "finished": sum(n for status, n in counts.get(record.id, {}).items()
                                         if status not in RUNNING),
                         "diff": _diff(rt, previous, record).as_dict() if previous is not None else None})
        # what open_case takes: the newest active version (there is no pinning of an older one)
        active = [r.version for r in versions if r.status == "active"]
        result.append({"key": key, "name": versions[-1].name, "latest": versions[-1].version,
                       "new_cases_version": max(active) if active else None,
                       "names": bpmn.element_names(rt.procedure(versions[-1]).source.process_properties),
                       "versions": list(reversed(rows))})
    return result


def version_documents(files: Mapping[str, Any]) -> list[str]:
    """The document kinds a stored version holds templates for (what its preview lists)."""
    return sorted(name[:-len(documents.library.SUFFIX)] for name in documents.template_files(files)
                  if name[:-len(documents.library.SUFFIX)] in documents.KINDS)


def template_preview(rt: Runtime, *, key: str, version: int, template: str, lang: str, actor: Actor) -> str:
    """A version's stored template as HTML, each variable shown by its name: what its cases will issue."""
    access.require_role(actor, STAFF, "read procedures")
    if lang not in documents.LANGS:
        raise InvalidDataError.for_fields({"lang": f"one of {', '.join(documents.LANGS)}"})
    with rt.store.transaction(write=False) as session:
        record = queries.procedure_version(session, key, version)
        if record is None:
            raise ProcedureNotFoundError(f"no version {version} of procedure '{key}'")
        if template not in version_documents(record.sources):
            raise ProcedureNotFoundError(f"version {version} of '{key}' stores no template {template!r}")
        return documents.sample_html(template, lang=lang, templates=documents.template_files(record.sources),
                                     agency=issuing.agency_of(rt), portal_url=rt.settings.portal_url)
