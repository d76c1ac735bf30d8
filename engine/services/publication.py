"""The published rules the law requires (PL 5, 34, 39): active procedures with their stages, time limits and
discretion tables, readable by anyone without signing in."""
from __future__ import annotations

from typing import Any

from engine import policy
from engine.bpmn import discretion_tables, element_names
from engine.services.runtime import Runtime
from engine.store import queries


def published_procedures(rt: Runtime) -> list[dict[str, Any]]:
    """The newest active version of every procedure, as the public may read it."""
    with rt.store.transaction(write=False) as session:
        latest: dict[str, Any] = {}
        for record in queries.all_procedures(session):
            if record.status == "active":
                latest[record.key] = record  # all_procedures is ordered by key, version
        result = []
        for key, record in sorted(latest.items()):
            files = {name: text.encode("utf-8") for name, text in record.sources.items()}
            stages = policy.procedure_stages(files).get(key, {})
            procedure = rt.procedure(record)
            elements = procedure.elements
            timers = [{**t, "names": elements[t["element_id"]].names if t.get("element_id") in elements else {}}
                      for t in stages.get("timers", [])]
            result.append({
                "key": key, "version": record.version, "name": record.name or key,
                "names": element_names(procedure.source.process_properties),
                "published_at": record.deployed_at.isoformat() if record.deployed_at else None,
                "sha256": record.sha256, "enforcement": stages.get("enforcement", False),
                "categories": stages.get("categories", []), "stages": stages.get("stages", []),
                "time_limits": timers, "discretion_tables": discretion_tables(files),
            })
        return result
