"""Running Dueflow: `serve` (migrate, deploy the bundled procedures, uvicorn with the timer loop) and `worker`."""
from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path

from api.settings import Settings
from engine.bootstrap import build_runtime, settings_from_env
from engine.domain import Actor
from engine.services import audit_trail, procedures
from engine.services.runtime import Runtime

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
DEPLOYER = Actor.system("dueflow-serve")
log = logging.getLogger("dueflow.server")
CHECKPOINT_INTERVAL = 5.0  # seconds: the window an attacker with database access has before events are signed


def procedure_folder_files(folder: Path) -> dict[str, bytes]:
    """A procedure folder's .bpmn and .dmn files and its own document templates (`documents/<name>.html`, which
    replace Dueflow's template of that name for this procedure: docs/documents.md)."""
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix in (".bpmn", ".dmn")}
    templates = folder / "documents"
    if templates.is_dir():
        files.update({p.name: p.read_bytes() for p in sorted(templates.iterdir()) if p.suffix == ".html"})
    return files


def deploy_bundled(rt: Runtime, folder: Path = PROCESSES, out=print) -> dict[str, str]:
    """Deploy each procedure folder's files (procedure_folder_files); identical files keep their version, so
    restarts are idempotent. A folder that fails is skipped with a warning: one broken procedure must not stop
    the rest."""
    deployed: dict[str, str] = {}
    if not folder.is_dir():
        return deployed
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        files = procedure_folder_files(sub)
        if not any(name.endswith(".bpmn") for name in files):
            continue
        try:
            result = procedures.deploy_procedure(rt, files=files, actor=DEPLOYER)
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, report it and go on with the others
            out(f"warning: procedure folder {sub.name} was not deployed: {getattr(exc, 'message', exc)}")
            for detail in getattr(exc, "details", [])[:5]:
                out(f"  {detail.get('file')}:{detail.get('line')}: {detail.get('rule')}: {detail.get('message')}")
            continue
        deployed[sub.name] = result.key
        out(f"procedure {result.key} version {result.version} ({'deployed' if result.created else 'unchanged'})")
    return deployed


def prepare(url: str, *, demo: bool = False, out=print) -> Runtime:
    """Everything before serving: the settings (keys under var/, shared by every process of the installation),
    the schema, the bundled procedures, the demo data."""
    os.environ["DUEFLOW_DB"] = url  # the uvicorn worker processes build their runtime from the same settings
    if demo:
        from api.demo import AGENCY_CONTACT

        for name, value in AGENCY_CONTACT.items():  # a demo shows whom to call, unless the environment says
            os.environ.setdefault(name, value)
    rt = build_runtime(settings_from_env(database_url=url))
    deployed = deploy_bundled(rt, out=out)
    if demo:
        from api import demo as demo_data

        for line in demo_data.seed(rt, deployed):
            out(line)
    return rt


def app_from_env():
    """The app of one uvicorn worker process (`uvicorn --factory api.server:app_from_env`), configured by
    $DUEFLOW_DB, $DUEFLOW_TIMER_INTERVAL and $DUEFLOW_CHECKPOINT_INTERVAL; `prepare` has already migrated
    and deployed."""
    from api.app import create_app

    rt = build_runtime(settings_from_env(), migrate=False)
    return create_app(rt, settings=Settings(
        timer_interval=float(os.environ.get("DUEFLOW_TIMER_INTERVAL", "5")),
        checkpoint_interval=float(os.environ.get("DUEFLOW_CHECKPOINT_INTERVAL", str(CHECKPOINT_INTERVAL)))))


def serve(url: str, *, host: str = "127.0.0.1", port: int = 8000, demo: bool = False, workers: int = 1,
          timer_interval: float = 30.0, checkpoint_interval: float = CHECKPOINT_INTERVAL,
          access_log: bool = True) -> int:
    import uvicorn

    _logging()
    rt = prepare(url, demo=demo)
    os.environ["DUEFLOW_TIMER_INTERVAL"] = str(timer_interval)
    os.environ["DUEFLOW_CHECKPOINT_INTERVAL"] = str(checkpoint_interval)
    print(f"Dueflow on http://{host}:{port} (API under /api, docs at /docs), database {_safe(url)}", flush=True)
    print(f"audit checkpoints every {checkpoint_interval:g} s while events arrive, signed by Ed25519 key "
          f"{audit_trail.public_key(rt)['public_key']}, witness {rt.settings.witness_path}", flush=True)
    uvicorn.run("api.server:app_from_env", factory=True, host=host, port=port, workers=workers,
                access_log=access_log, log_level="info", timeout_graceful_shutdown=10)
    return 0


def work(url: str, *, interval: float = 30.0) -> int:
    """Only the timer loop, until SIGINT or SIGTERM: run several beside API processes on one PostgreSQL."""
    from api.worker import TimerLoop

    _logging()
    loop = TimerLoop(build_runtime(settings_from_env(database_url=url)), interval)
    signal.signal(signal.SIGTERM, lambda *_: loop.stop())
    print(f"dueflow worker: firing timers as they fall due on {_safe(url)} (re-checking at least every "
          f"{interval:g} s)", flush=True)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass
    print(f"dueflow worker: stopped after firing timers of {loop.fired} case(s)", file=sys.stderr)
    return 0


def _logging() -> None:
    # our own loggers at INFO; SpiffWorkflow logs every task state change at INFO, so the rest stays at WARNING
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("dueflow").setLevel(logging.INFO)


def _safe(url: str) -> str:
    """The URL without its password, for logs."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}" if ":" in credentials else url
    return url
