"""Deploy one corpus file through the API and drive its case as users, workers and the clock would.

The outcome is what a reader compares with expectations.toml: "ran to an end", "waits for ...", or "refused at
deploy | opening | task <id>" with the reasons the API gave. A 5xx anywhere is raised at once: it is a failure
whatever the expectation says."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

from lxml import etree

CORPUS = Path(__file__).resolve().parent
MAX_STEPS = 200
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
FLOWABLE = ("http://flowable.org/bpmn", "http://activiti.org/bpmn")
DMN_NAMESPACES = ("https://www.omg.org/spec/DMN/", "http://www.omg.org/spec/DMN/")
# who completes a task of a role (the staff of tests/api/conftest.py; cityscape is the case's department)
ROLE_USERS = {"officer": "olga", "supervisor": "sam", "legal_reviewer": "lena", "dispatcher": "dan",
              "admin": "ada", None: "olga"}
OPENER = "olga"  # opens the cases, delivers their messages (admins may not) and reads them
CASE_DATA = {"party": {"name": "Corpus Trading Ltd", "type": "organisation"},
             "location": {"address": "1 Test Street"}}


@dataclass(frozen=True)
class Outcome:
    """What happened to a file: `kind` ("ran to an end", "waits for ...", "refused at deploy", "refused at
    opening", "refused at task <id>") and, for refusals, the distinct reasons the API gave."""
    kind: str
    reasons: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.kind + (": " + "; ".join(self.reasons) if self.reasons else "")


class ServerError(AssertionError):
    """A 5xx answer: never acceptable, whatever the file."""


@dataclass
class Entry:
    """One corpus entry: a BPMN file (or a lone DMN file) first, then the files deployed with it."""
    name: str  # path under tests/corpus, e.g. camunda-examples/loanApproval.bpmn
    files: list[Path]

    @property
    def main(self) -> Path:
        return self.files[0]


def _xml(path: Path) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.parse(str(path), parser).getroot()


def _is_dmn(path: Path) -> bool:
    return (_xml(path).tag.split("}")[0].lstrip("{")).startswith(DMN_NAMESPACES)


def _decision_ids(path: Path) -> set[str]:
    return {el.get("id") for el in _xml(path).iter() if isinstance(el.tag, str) and el.tag.endswith("}decision")}


def _decision_refs(path: Path) -> set[str]:
    refs = set()
    for el in _xml(path).iter(f"{{{BPMN}}}businessRuleTask"):
        for key, value in el.attrib.items():
            if key.endswith("decisionRef"):
                refs.add(value)
    return refs


def _called(path: Path) -> set[str]:
    return {el.get("calledElement") for el in _xml(path).iter(f"{{{BPMN}}}callActivity")} - {None}


def _process_ids(path: Path) -> set[str]:
    return {el.get("id") for el in _xml(path).iter(f"{{{BPMN}}}process")}


def entries() -> list[Entry]:
    """Every BPMN file with the files of its folder it needs (as a user would upload them together): the
    BPMN files of the processes its call activities call and the DMN files of the decisions it references;
    every DMN file no BPMN references, on its own."""
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name.endswith((".bpmn", ".xml", ".dmn")))
    dmns = [p for p in files if _is_dmn(p)]
    used: set[Path] = set()
    result = []
    for path in files:
        if path in dmns:
            continue
        refs = _decision_refs(path)
        siblings = [d for d in dmns if d.parent == path.parent and _decision_ids(d) & refs]
        used.update(siblings)
        called = _called(path)
        siblings += [b for b in files if b.parent == path.parent and b != path and b not in dmns
                     and _process_ids(b) & called]
        result.append(Entry(str(path.relative_to(CORPUS)), [path, *siblings]))
    result += [Entry(str(d.relative_to(CORPUS)), [d]) for d in dmns if d not in used]
    return sorted(result, key=lambda e: e.name)


# ---- what the BPMN declares (read here only to play the user: the engine reads it on its own) ----------

def _attr(el, local: str) -> str | None:
    for ns in (CAMUNDA, *FLOWABLE):
        if el.get(f"{{{ns}}}{local}") is not None:
            return el.get(f"{{{ns}}}{local}")
    return None


def start_form(path: Path) -> list[dict[str, Any]]:
    """The start event's camunda:formData fields (or Flowable formProperty), as the form view shapes them."""
    fields = []
    for start in _xml(path).iter(f"{{{BPMN}}}startEvent"):
        for el in start.iter():
            if not isinstance(el.tag, str):
                continue
            if el.tag.split("}")[1] in ("formField", "formProperty"):
                options = [{"id": v.get("id"), "label": v.get("name")} for v in el if
                           isinstance(v.tag, str) and v.tag.endswith("}value")]
                fields.append({"id": el.get("id"), "type": el.get("type") or "string", "options": options})
    return [f for f in fields if f["id"]]


def message_names(path: Path) -> list[str]:
    return [m.get("name") or m.get("id") for m in _xml(path).iter(f"{{{BPMN}}}message")]


def topics(path: Path) -> list[str]:
    return sorted({t for el in _xml(path).iter() if isinstance(el.tag, str) and (t := _attr(el, "topic"))})


def value_for(form_field: dict[str, Any]) -> Any:
    """A value a user would type: enum -> first option, boolean -> true, numbers, dates, text."""
    kind = (form_field.get("type") or "string").lower()
    if form_field.get("options"):
        return form_field["options"][0]["id"]
    constraints = form_field.get("constraints") or {}
    if kind == "boolean":
        return True
    if kind in ("long", "integer", "int", "number", "double", "float"):
        return int(constraints.get("min", 1)) if str(constraints.get("min", "1")).lstrip("-").isdigit() else 1
    if kind == "date":
        return "2026-03-02"
    return "corpus value"


def form_data(fields: list[dict[str, Any]]) -> dict[str, Any]:
    return {f["id"]: value_for(f) for f in fields if not f.get("readonly")}


# ---- driving --------------------------------------------------------------------------------------------

@dataclass
class Driver:
    """Plays every party of a case over HTTP: the admin deploys, officers open and complete, the clock moves."""
    client: Any
    login: Callable[[str], dict[str, str]]
    clock: Any
    fire_timers: Callable[[], Any]
    worker: Callable[[list[str]], dict[str, str]] | None = None  # a worker's headers for given topics
    log: list[str] = field(default_factory=list)

    def call(self, method: str, url: str, **kwargs) -> Any:
        response = self.client.request(method, url, **kwargs)
        self.log.append(f"{method} {url} -> {response.status_code}")
        if response.status_code >= 500:
            raise ServerError(f"{method} {url} answered {response.status_code}: {response.text[:500]}")
        return response

    def run(self, entry: Entry) -> Outcome:
        upload = [("files", (p.name, p.read_bytes(), "application/xml")) for p in entry.files]
        deployed = self.call("POST", "/api/procedures", files=upload, headers=self.login("ada"))
        if deployed.status_code not in (200, 201):
            return Outcome("refused at deploy", refusal(deployed))
        key = deployed.json()["key"]
        data = {**CASE_DATA, **form_data(start_form(entry.main))}
        opened = self.call("POST", "/api/cases", json={"procedure": key, "data": data},
                           headers=self.login(OPENER))
        if opened.status_code != 201:
            return Outcome("refused at opening", refusal(opened))
        return self.drive(opened.json(), entry)

    def drive(self, case: dict[str, Any], entry: Entry) -> Outcome:
        messages = message_names(entry.main)
        delivered: set[str] = set()
        for _ in range(MAX_STEPS):
            if case["status"] != "open":
                return Outcome("ran to an end" if case["status"] == "closed" else f"ended {case['status']}")
            if case["ready_tasks"]:
                task = case["ready_tasks"][0]
                user = ROLE_USERS.get(task.get("role"), OPENER)
                done = self.call("POST", f"/api/tasks/{task['id']}/complete",
                                 json={"data": form_data(task.get("form") or [])}, headers=self.login(user))
                if done.status_code != 200:
                    return Outcome(f"refused at task {task['element_id']}", refusal(done))
                case = done.json()
                delivered.clear()  # the case moved on: it may wait for a message it took before
                continue
            if self.worker and (after := self.complete_external(case, entry)) is not None:
                case = after
                continue
            if case.get("next_due_at"):
                self.clock.now = _parse(case["next_due_at"]) + timedelta(seconds=1)
                self.fire_timers()
                case = self.call("GET", f"/api/cases/{case['id']}", headers=self.login(OPENER)).json()
                delivered.clear()
                continue
            # the case view will list the messages a case waits for (issue 10, item 8); until then try the file's
            waiting = [m for m in case.get("waiting_messages", messages) if m not in delivered]
            after = self.deliver(case, waiting, delivered)
            if after is None:
                return Outcome("waits for " + self.waiting_for(case, entry, delivered))
            case = after
        return Outcome(f"still open after {MAX_STEPS} steps")

    def deliver(self, case: dict[str, Any], names: list[str], delivered: set[str]) -> dict[str, Any] | None:
        """Deliver the first message the case takes; None when it takes none of them."""
        for name in names:
            delivered.add(name)
            sent = self.call("POST", f"/api/cases/{case['id']}/messages", json={"name": name, "payload": {}},
                             headers=self.login(OPENER))
            if sent.status_code == 200 and sent.json()["row_version"] != case["row_version"]:
                return sent.json()
        return None

    def complete_external(self, case: dict[str, Any], entry: Entry) -> dict[str, Any] | None:
        """Fetch-and-lock the file's topics as a worker and complete what comes back (Camunda 7's shape)."""
        names = sorted({t["topic"] for t in case.get("external_tasks") or [] if t.get("topic")}) or topics(entry.main)
        if not names or self.worker is None:
            return None
        worker = self.worker(names)
        fetched = self.call("POST", "/api/external-tasks/fetch-and-lock", headers=worker, json={
            "workerId": "corpus", "maxTasks": 1, "topics": [{"topicName": t, "lockDuration": 60000} for t in names]})
        body = fetched.json() if fetched.status_code == 200 else []
        locked = body if isinstance(body, list) else body.get("tasks", [])  # a list, as Camunda 7 answers
        if not locked:
            return None
        task = locked[0]
        done = self.call("POST", f"/api/external-tasks/{task['id']}/complete", headers=worker,
                         json={"workerId": "corpus", "variables": {}})
        if done.status_code not in (200, 204):
            return None
        return self.call("GET", f"/api/cases/{case['id']}", headers=self.login(OPENER)).json()

    def waiting_for(self, case: dict[str, Any], entry: Entry, tried: set[str]) -> str:
        if case.get("waiting_messages"):
            return "message " + ", ".join(case["waiting_messages"])
        waiting = sorted({t["topic"] for t in case.get("external_tasks") or [] if t.get("topic")})
        if waiting or topics(entry.main):
            return "external task " + ", ".join(waiting or topics(entry.main))
        if tried:
            return "something no message, task or timer moves (messages tried: " + ", ".join(sorted(tried)) + ")"
        return "something no message, task or timer moves"


def _parse(text: str):
    from datetime import datetime
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def refusal(response) -> tuple[str, ...]:
    """The error's distinct problems as `RULE: message`, in the order given, or its code and message."""
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return (f"HTTP {response.status_code}",)
    details = error.get("details")
    problems = details.get("problems") if isinstance(details, dict) else details
    if isinstance(problems, list) and problems:
        lines = [f"{p.get('rule') or p.get('code') or ''}: {p.get('message', '')}".strip(": ")
                 for p in problems if isinstance(p, dict)]
        return tuple(dict.fromkeys(lines))
    return (f"{error.get('code')}: {error.get('message')}",)
