"""Audit payloads as labelled fields in the reader's language: form data under the form's own labels (and
enum values under theirs), element ids as the elements' names, codes (stage, department, category) as words,
instants as dates. What no table knows is shown as the code it is."""
from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup, escape

from api.web import i18n, migration_texts, texts
from api.web.i18n import N_, gettext

KEYS = {
    "case_no": N_("Case number"), "category": N_("Category"), "department": N_("Department"),
    "location.address": N_("Address"), "location.grid_cell": N_("Grid cell"), "party.name": N_("Party"),
    "party.type": N_("Kind of party"), "party.id_number": N_("Identity number"), "party.contact": N_("Contact"),
    "procedure": N_("Procedure"), "version": N_("Version"), "due_at": N_("Due"), "name": N_("Step"),
    "stage": N_("Stage"), "passed": N_("Passed through"), "then_passed": N_("Then passed through"),
    "task_id": N_("Task number"), "outcome": N_("Outcome"), "reason": N_("Reason"), "note": N_("Note"),
    "text": N_("Statement"), "message": N_("Message"), "filename": N_("File"), "media_type": N_("File type"),
    "document_id": N_("Document number"), "kind": N_("Kind"), "size": N_("Size"), "username": N_("User"),
    "role": N_("Role"), "paused_seconds": N_("Paused for"), "incident": N_("Incident"), "error": N_("Error"),
    "from": N_("From"), "to": N_("To"), "key": N_("Procedure"), "files": N_("Files"), "topic": N_("Topic"),
    "decision": N_("Decision table"), "result": N_("Result"), "inputs": N_("Inputs"), "outputs": N_("Outputs"),
    "plan": N_("Migration plan"), "from_version": N_("From version"), "to_version": N_("To version"),
    "mapping": N_("Element mapping"), "moved": N_("Moved elements"), "deadlines": N_("Deadlines"),
    "approved_by": N_("Approved by"),
    "template": N_("Document"), "number": N_("Document number"), "lang": N_("Language"),
    "method": N_("Service method"), "served_at": N_("Served"), "recipient": N_("Recipient"),
    "tracking_no": N_("Tracking number"), "replaces_number": N_("Replaces"),
}
_PARTY_TYPES = {"person": N_("Person"), "organisation": N_("Organisation")}
_ELEMENT_LISTS = ("passed", "then_passed")


_CODES = ("task_id", "procedure", "key", "sha256", "files", "topic", "from_version", "to_version", "mapping", "moved")  # identifiers: shown as the codes they are


def _element(labels: dict[str, dict[str, str]], element_id: str) -> Markup:
    """An element by its name in the reader's language; an unnamed one (a join) by its id, as a code."""
    names = labels.get(element_id) or {}
    named = names.get(i18n.current()) or (names.get("") if names.get("") != element_id else None)
    return escape(named) if named else _code(element_id)


def _code(value: Any) -> Markup:
    if isinstance(value, (dict, list)):
        return _structured(value, codes=True)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return Markup("<code>{}</code>").format(text)


def _structured(value: Any, *, codes: bool = False) -> Markup:
    """A nested value (a decision's result, a list of files) as words, never as JSON: each key labelled as
    the code it is, a list joined with the language's comma."""
    comma = escape(gettext(", "))
    if isinstance(value, dict):
        return comma.join(Markup("<code>{}</code>: {}").format(k, _structured(v, codes=codes))
                          for k, v in sorted(value.items()))
    if isinstance(value, list):
        return comma.join(_structured(v, codes=codes) for v in value) if value else Markup("—")
    if value is None or value == "":
        return Markup("—")
    if isinstance(value, bool):
        return escape(gettext("Yes") if value else gettext("No"))
    return Markup("<code>{}</code>").format(value) if codes else escape(str(value))


def _value(key: str, value: Any, event: Any, history: Any) -> Markup:
    labels = history.element_labels
    if value is None or value == "":
        return Markup("—")
    if isinstance(value, bool):
        return escape(gettext("Yes") if value else gettext("No"))
    if key in _CODES:
        return _code(value)
    if key in _ELEMENT_LISTS and isinstance(value, list):
        return escape(gettext(", ")).join(_element(labels, str(v)) for v in value)
    if key == "name" and event.element_id:
        return _element(labels, event.element_id)
    if key in ("template", "kind") and value in texts.DOCUMENTS:  # a document's title, the other language beside
        return texts.document_both(value)
    tables = {"stage": texts.STAGES, "department": texts.DEPARTMENTS, "category": texts.CATEGORIES,
              "party.type": _PARTY_TYPES, "message": texts.MESSAGES, "role": texts.ROLES,
              "method": texts.SERVICE_METHODS, "lang": i18n.LOCALE_NAMES}
    if key in tables and isinstance(value, str):
        return escape(texts.label(tables[key], value)) if value in tables[key] else _code(value)
    if key == "deadlines" and isinstance(value, list):  # a migration's deadlines: kept, moved (why), gone, new
        return Markup("<br>").join(_deadline(labels, row) for row in value if isinstance(row, dict))
    if value == {} or value == []:
        return Markup("—")
    if key in ("due_at", "served_at") and isinstance(value, str):
        return escape(i18n.format_instant(value))
    if isinstance(value, (dict, list)):
        return _structured(value)
    return escape(str(value))


def _deadline(labels: dict[str, dict[str, str]], row: dict[str, Any]) -> Markup:
    def when(instant: Any) -> str:
        return i18n.format_instant(instant) if isinstance(instant, str) else "—"
    return Markup("{}: {} → {} ({})").format(_element(labels, str(row.get("element_id"))), when(row.get("before")),
                                            when(row.get("after")), migration_texts.deadline_why(row))


def _form_rows(data: dict[str, Any], fields: list[dict[str, Any]]) -> list[tuple[Markup, Markup]]:
    known = {f["id"]: f for f in fields}
    rows = []
    for field_id, value in data.items():
        field = known.get(field_id)
        label = escape(texts.localized(field)) if field else _code(field_id)
        if field and field["type"] == "enum":
            option = next((o for o in field["options"] if o["id"] == value), None)
            rows.append((label, escape(texts.localized(option)) if option else _code(value)))
        elif isinstance(value, bool):
            rows.append((label, escape(gettext("Yes") if value else gettext("No"))))
        elif field and field["type"] == "date" and isinstance(value, str):
            rows.append((label, escape(i18n.format_day(value))))
        else:
            rows.append((label, escape(value) if isinstance(value, (str, int, float)) else _structured(value)))
    return rows


def payload_rows(event: Any, history: Any) -> list[tuple[Markup, Markup]]:
    """(label, value) per field of an audit event's payload, nested objects flattened (`party.name`)."""
    rows: list[tuple[Markup, Markup]] = []
    flat: dict[str, Any] = {}
    for key, value in sorted(event.payload.items()):
        if key == "data" and isinstance(value, dict):
            rows.extend(_form_rows(value, history.forms.get(event.element_id or "", [])))
        elif isinstance(value, dict) and key in ("party", "location"):
            flat.update({f"{key}.{k}": v for k, v in sorted(value.items())})
        else:
            flat[key] = value
    for key, value in flat.items():
        label = escape(gettext(KEYS[key])) if key in KEYS else _code(key)
        rows.append((label, _value(key, value, event, history)))
    return rows


def step_rows(event: Any, history: Any) -> list[tuple[Markup, Markup]]:
    """What a completed step recorded (its form data), under the form's labels: the facts beside a task."""
    data = event.payload.get("data")
    return _form_rows(data, history.forms.get(event.element_id or "", [])) if isinstance(data, dict) else []
