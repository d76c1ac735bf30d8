"""Deploying and reading procedure versions (BPMN + DMN sources stored once per version)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from engine import audit, bpmn, documents, policy
from engine.domain import (Actor, ProcedureInvalidError, ProcedureNotFoundError, Problem, Role)
from engine.domain import EventType
from engine.services import access, issuing
from engine.services.runtime import Runtime
from engine.services.views import DeployResult, ProcedureView
from engine.store import ProcedureVersionRecord, queries
from engine.workflow import Procedure, parse_procedure, sources_sha256

MAX_FILE_BYTES = 2 * 1024 * 1024
LANES_FILE = bpmn.LANES_FILE  # the deploy's lane-to-role mapping, kept among a version's sources


def _check_names(files: Mapping[str, bytes]) -> None:
    problems = bpmn.file_name_problems(files)
    if problems:
        raise ProcedureInvalidError(problems)


def _decode(files: Mapping[str, bytes]) -> dict[str, str]:
    problems, texts = [], {}
    for name, data in files.items():
        if len(data) > MAX_FILE_BYTES:
            problems.append(Problem(message=f"file is larger than {MAX_FILE_BYTES} bytes", file=name))
            continue
        try:
            texts[name] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(message=f"not UTF-8 text: {exc.reason} at byte {exc.start}", file=name))
    if problems:
        raise ProcedureInvalidError(problems)
    return texts


def _check_lengths(parsed) -> None:
    """The process id and name must fit their columns (a key is also part of every case's audit label)."""
    problems = []
    for what, value, limit in (("process id", parsed.key, 200), ("process name", parsed.name, 300)):
        if value and len(value) > limit:
            problems.append(Problem(message=f"the {what} is {len(value)} characters; at most {limit} are kept",
                                    element_id=parsed.key[:60], rule="invalid"))
    if problems:
        raise ProcedureInvalidError(problems)


def with_lanes(files: Mapping[str, bytes], lanes: Mapping[str, Any] | str | None) -> dict[str, bytes]:
    """The files with the deploy's lane-to-role mapping ({"Boss": "supervisor"}, or its JSON text) stored among
    them as `dueflow-lanes.json`, so the mapping belongs to the version (a new mapping is a new version), every
    re-parse reads it again, and a version's sources redeploy unchanged. Bad JSON is reported by the parse."""
    if lanes is None or lanes == "" or lanes == {}:
        return dict(files)
    return {**files, bpmn.LANES_FILE: bpmn.mapping_file(lanes)}


def deploy_procedure(rt: Runtime, *, files: Mapping[str, bytes], actor: Actor,
                     lanes: Mapping[str, Any] | str | None = None) -> DeployResult:
    """Parse, check and lint the files, then store them as the next version of their process id.

    Identical files return the version that already holds them; a failed deploy stores nothing."""
    access.require_role(actor, {Role.ADMIN, Role.SYSTEM}, "deploy procedures")
    _check_names(files)
    files = with_lanes(files, lanes)
    texts = _decode(files)
    parsed = parse_procedure(files)
    parsed, texts, template_problems = _with_templates(parsed, texts)
    sha256 = parsed.sha256
    with rt.store.transaction() as session:
        existing = queries.procedure_by_sha256(session, sha256)
        if existing is not None:
            return DeployResult(existing.key, existing.version, sha256, False, list(existing.lint or []))
    _check_lengths(parsed)
    # one parse: the lint walks the graphs read with the trees SpiffWorkflow parsed
    findings = parsed.source.warnings + policy.lint_procedure(files, rt.policy, graphs=parsed.source.graphs)
    findings += _document_problems(parsed) + template_problems
    errors = [p for p in findings if p.severity == "error"]
    if errors:
        raise ProcedureInvalidError(errors)
    warnings = [p.as_dict() for p in findings]
    now = rt.now()
    with rt.store.transaction() as session:
        version = queries.next_procedure_version(session, parsed.key)
        session.add(ProcedureVersionRecord(key=parsed.key, version=version, name=parsed.name, sha256=sha256,
                                           sources=texts, lint=warnings, status="active",
                                           deployed_by=actor.username, deployed_at=now))
        audit.record(session, key=rt.settings.audit_key, case=None, event_type=EventType.PROCEDURE_DEPLOYED,
                     actor=actor, now=now, procedure_version=f"{parsed.key}:{version}",
                     payload={"key": parsed.key, "version": version, "sha256": sha256, "files": sorted(texts),
                              "warnings": len(warnings)})
    rt.remember(parsed)
    return DeployResult(parsed.key, version, sha256, True, warnings)


def _with_templates(parsed: Procedure, texts: dict[str, str]) -> tuple[Procedure, dict[str, str], list[Problem]]:
    """The version's files with every document template it issues from (docs/documents.md): the procedure's own
    `<name>.html` over the library's, with the layouts they extend, checked; a changed template is a new sha256."""
    kinds = sorted({name for element in parsed.elements.values() for name in issuing.task_documents_of(element)
                    if name in issuing.ISSUABLE})
    resolved, problems = documents.resolve_templates(kinds, documents.template_files(texts))
    if not problems:
        problems = documents.trial_problems(kinds, resolved)
    texts = {**texts, **resolved}
    files = {name: text.encode("utf-8") for name, text in texts.items()}
    return replace(parsed, sha256=sources_sha256(files), files=files), texts, problems


def document_checks(parsed: Procedure, files: Mapping[str, bytes]) -> list[Problem]:
    """What a deploy would say of the documents these files issue (unknown kinds, template problems)."""
    _, _, problems = _with_templates(parsed, documents.template_files(files))
    return _document_problems(parsed) + problems


def _document_problems(parsed) -> list[Problem]:
    """A task's `document` property must name templates Dueflow has (docs/documents.md)."""
    problems = []
    for element in parsed.elements.values():
        for name in issuing.task_documents_of(element):
            if name not in issuing.ISSUABLE:
                problems.append(Problem(f"unknown document {name!r} in the property 'document'; one of "
                                        f"{', '.join(issuing.ISSUABLE)}", file=element.file, line=element.line,
                                        element_id=element.id, rule="document"))
    return problems


def start_forms(rt: Runtime) -> dict[str, list[dict[str, Any]]]:
    """The start form (camunda:formData on the start event) of each active procedure that has one, by key:
    what the new-case page asks for besides the party and the place."""
    found: dict[str, list[dict[str, Any]]] = {}
    with rt.store.transaction(write=False) as session:
        for key in sorted({record.key for record in queries.all_procedures(session)}):
            record = queries.latest_procedure(session, key)
            fields = rt.procedure(record).source.start_form if record is not None else []
            if fields:
                found[key] = [f.as_dict() for f in fields]
    return found


def list_procedures(rt: Runtime) -> list[ProcedureView]:
    with rt.store.transaction(write=False) as session:
        return [_view(record, names=procedure_names(rt.procedure(record)))
                for record in queries.all_procedures(session)]


def procedure_names(procedure: Procedure) -> dict[str, str]:
    """A procedure's name per locale, from the process's own `name_<lang>` properties."""
    return bpmn.element_names(procedure.source.process_properties)


def procedure_file(rt: Runtime, *, key: str, version: int, kind: str = "bpmn") -> tuple[str, str]:
    """(file name, text) of a stored version's BPMN (or first DMN) source."""
    with rt.store.transaction(write=False) as session:
        record = queries.procedure_version(session, key, version)
        if record is None:
            raise ProcedureNotFoundError(f"no version {version} of procedure '{key}'")
        for name, text in sorted(record.sources.items()):
            if name.lower().endswith("." + kind):
                return name, text
    raise ProcedureNotFoundError(f"version {version} of '{key}' has no .{kind} file")


def _view(record: ProcedureVersionRecord, names: dict[str, str] | None = None) -> ProcedureView:
    return ProcedureView(key=record.key, version=record.version, name=record.name, sha256=record.sha256,
                         status=record.status, deployed_by=record.deployed_by,
                         deployed_at=record.deployed_at.isoformat() if record.deployed_at else None,
                         files=sorted(record.sources), lint=list(record.lint or []), names=dict(names or {}))
