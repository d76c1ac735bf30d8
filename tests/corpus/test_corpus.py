"""Issue 10: every public BPMN/DMN file of the corpus deploys and runs to the outcome recorded in
expectations.toml, and no file ever gets a 5xx answer."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import tomllib
from typing import Callable

import pytest

from engine.services import timers
from tests.api.conftest import PASSWORD
from tests.corpus.conftest import client_on, login_with
from tests.corpus.drive import CORPUS, Driver, Entry, Outcome, entries

EXPECTED = tomllib.loads((CORPUS / "expectations.toml").read_text())
ENTRIES = entries()
# DUEFLOW_CORPUS_OBSERVED=observed.jsonl records what each file did; `python -m tests.corpus.report --update
# observed.jsonl` then rewrites expectations.toml from it (review the diff: it is the compatibility news)
OBSERVED_LOG = os.environ.get("DUEFLOW_CORPUS_OBSERVED")


def matches(expected: dict, observed: Outcome) -> bool:
    """The same kind of outcome, and each recorded reason is a fragment of one the API gave, and each reason
    the API gave contains a recorded fragment: a reason gone or a new one both call for a new expectation."""
    fragments = [f.lower() for f in expected.get("reasons", [])]
    given = [r.lower() for r in observed.reasons]
    return (observed.kind == expected["outcome"]
            and all(any(f in r for r in given) for f in fragments)
            and all(any(f in r for f in fragments) for r in given))


def driver_for(client, rt, clock) -> Driver:
    return Driver(client=client, login=login_with(client), clock=clock,
                  fire_timers=lambda: timers.fire_due_timers(rt), worker=external_worker(client, rt))


def external_worker(client, rt) -> Callable[[list[str]], dict[str, str]]:
    """A worker's headers for the topics a case waits on (a worker fetches only its own topics)."""
    from engine.domain import Actor
    from engine.services import users
    made: dict[tuple[str, ...], dict[str, str]] = {}

    def for_topics(names: list[str]) -> dict[str, str]:
        key = tuple(sorted(names))
        if key not in made:
            username = f"worker{len(made) + 1}"
            users.add_user(rt, username=username, password=PASSWORD, role="worker", department=None,
                           topics=list(key), actor=Actor.system("tests"))
            made[key] = login_with(client)(username)
        return made[key]
    return for_topics


def test_every_file_has_an_expectation_and_its_provenance_unchanged():
    names = {e.name for e in ENTRIES}
    assert names == set(EXPECTED), (names ^ set(EXPECTED))
    with open(CORPUS / "provenance.csv", newline="") as source:
        provenance = {row["file"]: row for row in csv.DictReader(source)}
    files = {str(p.relative_to(CORPUS)) for e in ENTRIES for p in e.files}
    assert files == set(provenance), files ^ set(provenance)
    for name, row in provenance.items():
        assert hashlib.sha256((CORPUS / name).read_bytes()).hexdigest() == row["sha256"], f"{name} was edited"
        assert row["repository"] and row["commit"] and row["path"] and row["licence"], row


@pytest.mark.slow
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_file_runs_to_its_expected_outcome(entry: Entry, corpus_client, corpus_rt, clock):
    driver = driver_for(corpus_client, corpus_rt, clock)
    observed = driver.run(entry)  # raises on any 5xx
    if OBSERVED_LOG:
        with open(OBSERVED_LOG, "a") as out:
            out.write(json.dumps({"file": entry.name, "outcome": observed.kind, "reasons": observed.reasons}) + "\n")
    expected = EXPECTED[entry.name]
    assert matches(expected, observed), f"expected {expected}, observed {observed}\n" + "\n".join(driver.log)


@pytest.mark.slow
@pytest.mark.postgres
def test_a_corpus_file_runs_to_an_end_on_postgresql(corpus_pg_rt, settings, clock):
    """The smoke test for production's database: a Camunda 7 example with three user tasks, run over HTTP."""
    client = client_on(corpus_pg_rt, settings)
    entry = next(e for e in ENTRIES if e.name == "camunda-examples/invoicePayment.bpmn")
    assert EXPECTED[entry.name]["outcome"] == "ran to an end"
    assert matches(EXPECTED[entry.name], driver_for(client, corpus_pg_rt, clock).run(entry))
