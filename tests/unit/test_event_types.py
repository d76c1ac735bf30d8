"""Audit event types are one enum (engine.domain.EventType): the audit writer refuses any other, and no module
records a type the enum does not list, even on a path the other tests do not reach."""
import ast
from datetime import datetime, timezone
from pathlib import Path

import pytest

from engine import audit
from engine.domain import Actor, EventType

ROOT = Path(__file__).resolve().parents[2]
KNOWN = {kind.value for kind in EventType}


def test_the_audit_writer_refuses_an_event_type_the_enum_does_not_list():
    with pytest.raises(ValueError, match="unknown audit event type 'case_openned'"):
        audit.record(None, key=b"k", case=None, event_type="case_openned", actor=Actor.system(),
                     now=datetime.now(timezone.utc))


def test_event_types_are_subject_and_past_tense_and_stored_as_plain_strings():
    for kind in EventType:
        subject, _, verb = kind.value.rpartition("_")
        assert subject and kind.name == kind.value.upper(), kind
        assert verb.endswith(("ed", "set", "taken", "thrown")), f"{kind.value}: subject + past tense"
        assert str(kind) == f"{kind}" == kind.value  # what the audit row stores and hashes


def _recorded_literals(path: Path):
    """String literals passed as an event type: record(..., event_type="x") or steps.record(session, step, "x")
    and the (type, payload) pairs the rights gates hand back."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if name != "record":
            continue
        given = [k.value for k in node.keywords if k.arg == "event_type"] + node.args[2:3]
        for value in given:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                yield f"{path.relative_to(ROOT)}:{node.lineno}", value.value


def test_no_module_records_an_event_type_outside_the_enum():
    found = [(where, value) for folder in ("engine", "api") for path in sorted((ROOT / folder).rglob("*.py"))
             for where, value in _recorded_literals(path)]
    unknown = [f"{where}: {value!r}" for where, value in found if value not in KNOWN]
    assert unknown == [], "add the type to engine.domain.EventType or fix the name:\n" + "\n".join(unknown)


def test_the_pages_name_only_event_types_the_enum_lists():
    from api.web import texts
    from engine.services import party

    assert set(texts.EVENTS) <= KNOWN
    assert set(party.PARTY_EVENTS) <= set(EventType)
