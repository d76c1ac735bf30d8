"""Distribution by case (Citus, issue 14; docs/scaling.md): every case-scoped table keyed by `case_id`, and every
statement of a step within one case. Where Citus is installed the schema is distributed with
create_distributed_table; otherwise the keys and a step's statements are checked as Citus would check them.
The gaps docs/scaling.md lists are the known ones: a new gap, or a closed one still listed, fails."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from engine.services import tasks
from engine.services.runtime import Runtime
from engine.store import Store
from tests.builders import a_case, an_officer, the_notice
from tests.conftest import _fresh_postgres, settings_for

pytestmark = pytest.mark.postgres
INSPECTION = {"findings": "blocked pavement", "severity": "minor", "fine_due": False}
CASE_TABLE = "enforcement_case"  # distributed by its id; every other case-scoped table by case_id
# Known gaps before the schema can be distributed (docs/scaling.md, "What still has to change").
KNOWN_KEY_GAPS = {
    "audit_event: primary key (id) lacks case_id",
    "decision_evidence: primary key (id) lacks case_id",
    "decision_evidence: unique (task_id, document_id) lacks case_id",
    "decision_evidence: foreign key (document_id) -> document lacks case_id",
    "document: primary key (id) lacks case_id",
    "document: foreign key (replaces_id) -> document lacks case_id",
    "document: unique (number) lacks case_id",
    "evidence_custody: primary key (document_id) lacks case_id",
    "evidence_custody: foreign key (document_id) -> document lacks case_id",
    "external_task: primary key (id) lacks case_id",
    "incident: primary key (id) lacks case_id",
    "inspection: primary key (id) lacks case_id",
    "task: primary key (id) lacks case_id",
    "migration_case: primary key (id) lacks case_id",
    "enforcement_case: unique (case_no) lacks id",
}
KNOWN_STEP_GAPS = {"SELECT ... FROM task t JOIN enforcement_case c ON c.id = t.case_id WHERE t.id = %s"}

CONSTRAINTS = """
SELECT rel.relname, con.contype, con.conname, confrel.relname,
       array(SELECT a.attname FROM unnest(con.conkey) k JOIN pg_attribute a
             ON a.attrelid = con.conrelid AND a.attnum = k ORDER BY a.attnum)
FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
JOIN pg_namespace ns ON ns.oid = rel.relnamespace LEFT JOIN pg_class confrel ON confrel.oid = con.confrelid
WHERE ns.nspname = 'public' AND con.contype IN ('p', 'u', 'f')
"""
UNIQUE_INDEXES = """
SELECT t.relname, i.relname, array(SELECT a.attname FROM unnest(ix.indkey) k JOIN pg_attribute a
       ON a.attrelid = t.oid AND a.attnum = k)
FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_namespace ns ON ns.oid = t.relnamespace
WHERE ns.nspname = 'public' AND ix.indisunique AND NOT ix.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)
"""


def case_scoped(store: Store) -> set[str]:
    rows = store.execute_sql("SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
                             "AND column_name = 'case_id'")
    return {row[0] for row in rows} | {CASE_TABLE}


def key_gaps(store: Store) -> set[str]:
    """What Citus would refuse: a primary key, unique constraint or unique index of a case-scoped table
    without the distribution column, and a foreign key between case-scoped tables that does not carry it."""
    scoped, gaps = case_scoped(store), set()
    kinds = {"p": "primary key", "u": "unique", "f": "foreign key"}
    for table, kind, _, target, columns in store.execute_sql(CONSTRAINTS):
        column = "id" if table == CASE_TABLE else "case_id"
        if table not in scoped or column in columns:
            continue
        if kind == "f" and target not in scoped:
            continue  # to a reference table (department, procedure_version, app_user ...)
        where = f"{kinds[kind]} ({', '.join(columns)})" + (f" -> {target}" if kind == "f" else "")
        gaps.add(f"{table}: {where} lacks {column}")
    for table, _, columns in store.execute_sql(UNIQUE_INDEXES):
        if table in scoped and ("id" if table == CASE_TABLE else "case_id") not in columns:
            gaps.add(f"{table}: unique index ({', '.join(columns)}) lacks case_id")
    return gaps


def test_case_scoped_tables_carry_case_id_in_every_key_but_the_known_gaps(pg_database):
    store = _fresh_postgres(pg_database)
    try:
        assert key_gaps(store) == KNOWN_KEY_GAPS
    finally:
        store.dispose()


TABLE = re.compile(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)", re.I)


def _shape(statement: str) -> str:
    return re.sub(r"SELECT .*? FROM", "SELECT ... FROM", " ".join(statement.split()), count=1)


def single_case(statement: str, scoped: set[str]) -> bool:
    """True when a statement on case-scoped tables names its case: an INSERT carries case_id (or is the case
    row), any other statement filters on case_id or the case's id."""
    text = " ".join(statement.split())
    if not {t.lower() for t in TABLE.findall(text)} & scoped:
        return True
    if text.upper().startswith("INSERT"):
        return "case_id" in text or f"INTO {CASE_TABLE}" in text
    where = text.split(" WHERE ", 1)[1] if " WHERE " in text else ""
    return bool(re.search(r"\bcase_id\s*(=|IN)|\b(c\.|enforcement_case\.)?id\s*=", where)) and (
        "case_id" in where or CASE_TABLE in text.split(" WHERE ", 1)[0].split(" JOIN ")[0])


def test_every_statement_of_a_step_stays_within_one_case_but_the_known_gaps(pg_database, clock, tmp_path):
    store = _fresh_postgres(pg_database)
    seen: list[str] = []

    class Recording:
        def __init__(self, cursor):
            self._cursor = cursor

        def __getattr__(self, name):
            return getattr(self._cursor, name)

        def __iter__(self):
            return iter(self._cursor)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self._cursor.__exit__(*exc)

        def execute(self, query, *args, **kwargs):
            seen.append(str(query))
            return self._cursor.execute(query, *args, **kwargs)

        def executemany(self, query, *args, **kwargs):
            seen.append(str(query))
            return self._cursor.executemany(query, *args, **kwargs)

    @event.listens_for(store.engine, "before_cursor_execute")
    def through_sqlalchemy(_conn, _cursor, statement, *_args):
        seen.append(statement)

    rt = Runtime(store, clock, settings=settings_for(tmp_path))
    try:
        the_notice(rt)
        case = a_case(rt)
        # the step's own statements go to the driver's cursor (engine/store/fastpath.py): record those too
        from engine.store import fastpath

        original = fastpath._cursor
        fastpath._cursor = lambda session: (lambda d, c: (d, Recording(c)))(*original(session))
        try:
            seen.clear()
            tasks.complete_task(rt, task_id=case.ready_tasks[0].id, data=INSPECTION, actor=an_officer())
        finally:
            fastpath._cursor = original
        scoped = case_scoped(store)
        statements = [s for s in seen if TABLE.search(s)]
        assert statements, "the step ran statements"
        outside = {_shape(s) for s in statements if not single_case(s, scoped)}
        assert outside == KNOWN_STEP_GAPS
    finally:
        store.dispose()


def test_citus_distributes_the_schema_by_case(pg_database):
    store = Store(pg_database, app_role=None)
    try:
        if not store.execute_sql("SELECT 1 FROM pg_available_extensions WHERE name = 'citus'"):
            pytest.skip("Citus is not installed on this PostgreSQL: the key and statement checks above stand in "
                        "for create_distributed_table")
        store.execute_sql("CREATE EXTENSION IF NOT EXISTS citus")
        for table in sorted(case_scoped(store)):
            column = "id" if table == CASE_TABLE else "case_id"
            store.execute_sql("SELECT create_distributed_table(:t, :c, colocate_with => 'none')"
                              if table == CASE_TABLE else
                              f"SELECT create_distributed_table(:t, :c, colocate_with => '{CASE_TABLE}')",
                              t=table, c=column)
    finally:
        store.dispose()
