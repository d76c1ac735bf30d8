"""What every use case needs: the store, the clock, and the parsed-procedure cache (by sha256)."""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.domain import Clock, utcnow
from engine.settings import Settings
from engine.store import BlobStore, ProcedureVersionRecord, Store
from engine.workflow import Procedure, RemoteRun, SandboxPool, parse_procedure, shared_pool


@dataclass
class Runtime:
    store: Store
    clock: Clock = utcnow
    jurisdiction: str = "cn"
    policy: Any = None  # the agency's due-process policy (engine.policy.Policy); None: the default PRC policy
    _parsed: dict[str, Procedure] = field(default_factory=dict)
    _by_version: dict[int, tuple[Procedure, str, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _runs: OrderedDict = field(default_factory=OrderedDict)  # case id -> (row_version, RemoteRun), most recent last
    warm_cases: int = 512
    settings: Settings = field(default_factory=Settings.ephemeral)  # secrets and budgets (engine.bootstrap)

    @property
    def blobs(self) -> BlobStore | None:
        """Where evidence files stream to (engine.store.blobs); None keeps small ones in the database."""
        folder = self.settings.evidence_dir
        return BlobStore(folder) if folder is not None else None

    @property
    def sandbox(self) -> SandboxPool:
        """The processes that run procedure code (shared by every Runtime of this process)."""
        return shared_pool(size=self.settings.sandbox_workers, memory_mib=self.settings.script_memory_mib,
                           jurisdiction=self.jurisdiction)

    def start_run(self, procedure: Procedure, data: dict[str, Any], now: datetime):
        """A new case's workflow, started in the sandbox: (the run, what changed)."""
        return RemoteRun.start(procedure, data, now, sandbox=self.sandbox, seconds=self.settings.script_seconds)

    def load_run(self, procedure: Procedure, state: str) -> RemoteRun:
        return RemoteRun.load(procedure, state, sandbox=self.sandbox, seconds=self.settings.script_seconds)

    def now(self) -> datetime:
        return self.clock()

    def remember(self, procedure: Procedure) -> None:
        self._parsed[procedure.sha256] = procedure

    def procedure(self, record: ProcedureVersionRecord) -> Procedure:
        """The parsed spec of a stored version; parsed once per process, then served from memory."""
        cached = self._parsed.get(record.sha256)
        if cached is None:
            with self._lock:
                cached = self._parsed.get(record.sha256)
                if cached is None:
                    files = {name: text.encode("utf-8") for name, text in record.sources.items()}
                    cached = parse_procedure(files)
                    self._parsed[record.sha256] = cached
        self._by_version[record.id] = (cached, f"{record.key}:{record.version}", record.version)
        return cached

    def take_run(self, case_id: int, row_version: int) -> RemoteRun | None:
        """The case's workflow as this process last saved it, if the row still has that version: a step of a
        recently touched case skips deserializing. Taken out, so no two steps ever share one object."""
        with self._lock:
            entry = self._runs.pop(case_id, None)
        if entry is None or entry[0] != row_version:
            return None
        run: RemoteRun = entry[1]
        run.seconds = self.settings.script_seconds  # the budget in force now, not when it was kept
        return run

    def keep_run(self, case_id: int, row_version: int, run: RemoteRun) -> None:
        """Remember a committed workflow for the case's next step (least recently used cases leave first)."""
        with self._lock:
            self._runs[case_id] = (row_version, run)
            while len(self._runs) > self.warm_cases:
                self._runs.popitem(last=False)

    def procedure_by_version_id(self, session, version_id: int) -> tuple[Procedure, str]:
        """Parsed procedure and its 'key:version' label, without a query once the version was seen."""
        hit = self._by_version.get(version_id)
        if hit is None:
            record = session.get(ProcedureVersionRecord, version_id)
            self.procedure(record)
            hit = self._by_version[version_id]
        return hit[0], hit[1]
