"""The responsibility list (权责清单): department x violation category x area x legal basis, versioned and
public. Publishing (a CSV import, or the coordinator amending it) writes a complete new version, audited on
the system chain; cases cite the entry they relied on by id, so an old version stays readable."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from engine import audit
from engine.domain import Actor, EventType, InvalidDataError, Role
from engine.services import access
from engine.services.runtime import Runtime
from engine.store import ResponsibilityRecord, Session, coordination

PUBLISHERS = frozenset({Role.ADMIN, Role.SYSTEM})
COLUMNS = ("department", "category", "area", "legal_basis")
MAX_RETURN_DAYS = 10
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_AREA = re.compile(r"^(\*|[A-Za-z0-9][A-Za-z0-9_-]{0,63})$")


@dataclass
class ResponsibilityView:
    id: int
    version: int
    department: str
    category: str
    area: str
    legal_basis: str
    return_days: int
    published_at: str

    @classmethod
    def of(cls, row: ResponsibilityRecord) -> "ResponsibilityView":
        return cls(id=row.id, version=row.version, department=row.department, category=row.category,
                   area=row.area, legal_basis=row.legal_basis, return_days=row.return_days,
                   published_at=row.published_at.isoformat())

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def parse_csv(text: str) -> list[dict[str, Any]]:
    """Rows of a CSV with the header department,category,area,legal_basis[,return_days]; every error names
    its line, and nothing is published unless every line is right."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        return _rows(reader)
    except csv.Error as error:
        raise InvalidDataError.for_fields({"file": f"not a CSV file: {error}"}) from None


def _rows(reader: csv.DictReader) -> list[dict[str, Any]]:
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidDataError.for_fields({"file": "the header lacks " + ", ".join(missing)})
    rows, errors = [], {}
    for line, raw in enumerate(reader, start=2):
        try:
            rows.append(check_entry(raw))
        except InvalidDataError as error:
            errors[f"line {line}"] = error.message
    if errors:
        raise InvalidDataError.for_fields(errors)
    if not rows:
        raise InvalidDataError.for_fields({"file": "the list has no entries"})
    return rows


def check_entry(raw: dict[str, Any]) -> dict[str, Any]:
    entry = {c: str(raw.get(c) or "").strip() for c in COLUMNS}
    problems = []
    if not _CODE.match(entry["department"]):
        problems.append("department must be a code like sanitation")
    if not _CODE.match(entry["category"]):
        problems.append("category must be a code like street_vending")
    if not _AREA.match(entry["area"]):
        problems.append("area must be a grid cell or district code, or *")
    if not entry["legal_basis"] or len(entry["legal_basis"]) > 2000:
        problems.append("legal_basis must name the provision (at most 2000 characters)")
    days = str(raw.get("return_days") or "1").strip()
    if not days.isdigit() or not 1 <= int(days) <= MAX_RETURN_DAYS:
        problems.append(f"return_days must be 1 to {MAX_RETURN_DAYS} working days")
    if problems:
        raise InvalidDataError("; ".join(problems))
    return dict(entry, return_days=int(days))


def publish_csv(rt: Runtime, *, text: str, actor: Actor) -> list[ResponsibilityView]:
    """Publish a CSV as the next version of the list (admins)."""
    access.require_role(actor, PUBLISHERS, "publish the responsibility list")
    rows = parse_csv(text)
    with rt.store.transaction() as session:
        return [ResponsibilityView.of(r) for r in publish(session, rt, rows=rows, actor=actor, reason="imported")]


def publish(session: Session, rt: Runtime, *, rows: list[dict[str, Any]], actor: Actor,
            reason: str) -> list[ResponsibilityRecord]:
    """Inside the caller's transaction: the next version, audited on the system chain."""
    now = rt.now()
    version = coordination.current_version(session) + 1
    records = [ResponsibilityRecord(version=version, published_at=now, published_by=actor.username, **row)
               for row in rows]
    session.add_all(records)
    audit.record(session, key=rt.settings.audit_key, case=None, event_type=EventType.RESPONSIBILITIES_PUBLISHED,
                 actor=actor, now=now, payload={"version": version, "entries": len(rows), "reason": reason})
    session.flush()
    return records


def amend(session: Session, rt: Runtime, *, entry: dict[str, Any], actor: Actor, reason: str) -> ResponsibilityRecord:
    """A new version with the entry for this category and area replaced (the coordinator's decision)."""
    entry = check_entry(entry)
    kept = [{c: getattr(r, c) for c in (*COLUMNS, "return_days")} for r in coordination.entries(session)
            if (r.category, r.area) != (entry["category"], entry["area"])]
    records = publish(session, rt, rows=[*kept, entry], actor=actor, reason=reason)
    return records[-1]


def published(rt: Runtime, *, version: int | None = None) -> list[ResponsibilityView]:
    """The list as published (the current version unless one is asked for): public, no sign-in."""
    with rt.store.transaction(write=False) as session:
        return [ResponsibilityView.of(r) for r in coordination.entries(session, version)]


def to_csv(views: list[ResponsibilityView]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*COLUMNS, "return_days"])
    for v in views:
        writer.writerow([v.department, v.category, v.area, v.legal_basis, v.return_days])
    return out.getvalue()
