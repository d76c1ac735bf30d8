"""A small worker for Dueflow's external tasks (docs/external-tasks.md): sign in as a `worker` account, poll
fetch-and-lock for its topics, call one handler per topic, and complete, fail or throw a BPMN error.

    worker = ExternalWorker("http://127.0.0.1:8000", username="walt", password="...",
                            handlers={"registry-check": check_registry})
    worker.run()            # or worker.run_once() from your own loop

A handler takes the fetched task (a dict: id, topicName, activityId, caseId, businessKey, variables, ...) and
returns the variables to complete it with (or None); it raises BpmnError for a business outcome an error
boundary event handles, and any other exception reports a failure (retries count down; at 0, an incident).
Talks HTTP only: it needs no part of the engine, and can run on another machine.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import socket
import threading
import uuid
from typing import Any, Callable

import httpx

log = logging.getLogger("dueflow.external_worker")
Handler = Callable[[dict[str, Any]], "dict[str, Any] | None"]


class BpmnError(Exception):
    """Raise in a handler for a business error (e.g. "not_registered") the procedure models as a boundary event."""

    def __init__(self, code: str, message: str = "", variables: dict[str, Any] | None = None):
        super().__init__(message or code)
        self.code, self.message, self.variables = code, message, variables or {}


class WorkerError(Exception):
    """Dueflow refused a request of the worker (its answer's error code and message)."""


class ExternalWorker:
    """Polls Dueflow for the external tasks of its handlers' topics and works them one by one."""

    def __init__(self, base_url: str, *, username: str, password: str, handlers: dict[str, Handler],
                 worker_id: str | None = None, lock_ms: int = 60_000, max_tasks: int = 10, retries: int = 3,
                 retry_timeout_ms: int = 60_000, client: httpx.Client | None = None):
        if not handlers:
            raise ValueError("give at least one handler: {topic: function}")
        self.handlers, self.lock_ms, self.max_tasks = dict(handlers), lock_ms, max_tasks
        self.retries, self.retry_timeout_ms = retries, retry_timeout_ms
        self.worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._credentials = {"username": username, "password": password}
        self._http = client or httpx.Client(base_url=base_url, timeout=30)
        self._headers: dict[str, str] = {}

    # -- the loop --
    def run(self, *, poll_seconds: float = 5.0, stop: threading.Event | None = None) -> None:
        """Work until `stop` is set: right away while tasks come, else wait `poll_seconds` between polls."""
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                worked = self.run_once()
            except (httpx.TransportError, WorkerError) as exc:
                log.warning("polling Dueflow failed: %s", exc)
                worked = 0
            if not worked:
                stop.wait(poll_seconds)

    def run_once(self) -> int:
        """One fetch-and-lock and the tasks it brought; how many tasks were worked."""
        topics = [{"topicName": topic, "lockDuration": self.lock_ms} for topic in sorted(self.handlers)]
        tasks = self._post("/api/external-tasks/fetch-and-lock", {
            "workerId": self.worker_id, "maxTasks": self.max_tasks, "topics": topics}).json()
        for task in tasks:
            self._work(task)
        return len(tasks)

    def _work(self, task: dict[str, Any]) -> None:
        path = f"/api/external-tasks/{task['id']}"
        try:
            variables = self.handlers[task["topicName"]](task) or {}
        except BpmnError as error:
            self._post(f"{path}/bpmn-error", {"workerId": self.worker_id, "errorCode": error.code,
                                              "errorMessage": error.message, "variables": error.variables})
            return
        except Exception as exc:  # noqa: BLE001 - whatever the handler hit is reported, the loop goes on
            left = (task["retries"] if task.get("retries") is not None else self.retries) - 1
            log.warning("task %s (%s) failed, %d retries left: %s", task["id"], task["topicName"], max(left, 0), exc)
            self._post(f"{path}/failure", {"workerId": self.worker_id, "errorMessage": f"{type(exc).__name__}: {exc}",
                                           "retries": max(left, 0), "retryTimeout": self.retry_timeout_ms})
            return
        self._post(f"{path}/complete", {"workerId": self.worker_id, "variables": variables})

    # -- HTTP --
    def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        if not self._headers:
            self._sign_in()
        response = self._http.post(path, json=body, headers=self._headers)
        if response.status_code == 401:  # the token ran out: sign in again, once
            self._sign_in()
            response = self._http.post(path, json=body, headers=self._headers)
        if response.status_code >= 400:
            error = _error_of(response)
            raise WorkerError(f"{path}: {response.status_code} {error.get('code')}: {error.get('message')}")
        return response

    def _sign_in(self) -> None:
        response = self._http.post("/api/auth/token", data=self._credentials)
        if response.status_code != 200:
            raise WorkerError(f"sign-in as {self._credentials['username']} failed: {response.status_code}")
        self._headers = {"Authorization": f"Bearer {response.json()['access_token']}"}

    def close(self) -> None:
        self._http.close()


def _error_of(response: httpx.Response) -> dict[str, Any]:
    try:
        return dict(response.json().get("error") or {})
    except (ValueError, AttributeError):
        return {"message": response.text[:200]}


def main(argv: list[str] | None = None) -> int:
    """`python -m api.external_worker --url URL --username walt --handler topic=module:function ...`
    (password from $DUEFLOW_PASSWORD)."""
    parser = argparse.ArgumentParser(description="work Dueflow external tasks with Python handlers")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", required=True)
    parser.add_argument("--handler", action="append", required=True, metavar="TOPIC=MODULE:FUNCTION")
    parser.add_argument("--poll", type=float, default=5.0, help="seconds between polls when nothing waits")
    args = parser.parse_args(argv)
    handlers = {}
    for spec in args.handler:
        topic, _, target = spec.partition("=")
        module, _, function = target.partition(":")
        if not (topic and module and function):
            parser.error(f"--handler {spec!r}: write TOPIC=MODULE:FUNCTION")
        handlers[topic] = getattr(importlib.import_module(module), function)
    logging.basicConfig(level=logging.INFO)
    worker = ExternalWorker(args.url, username=args.username, password=os.environ.get("DUEFLOW_PASSWORD", ""),
                            handlers=handlers)
    try:
        worker.run(poll_seconds=args.poll)
    except KeyboardInterrupt:
        pass
    finally:
        worker.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
