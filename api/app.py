"""The FastAPI application: routers, the one error shape, the request size limit, the optional timer and
checkpoint loops."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.encoding import TotalJSONResponse
from api import web
from api.routers import (assessment, audit, auth, cases, coordination, documents, external_tasks, grid, incidents,
                         issued_documents, migrations, party, procedures, public, tasks, users)
from api.schemas import HealthView
from api.security import Tokens
from api.settings import Settings
from api.checkpoints import CheckpointLoop
from api.worker import TimerLoop
from api.writes import Writes
from engine.services import party as party_service
from engine.services import users as user_service
from engine.services.runtime import Runtime

VERSION = "0.1.0"

def create_app(runtime: Runtime, *, settings: Settings | None = None) -> FastAPI:
    """One app per runtime; tests build one per database, the server one per process."""
    settings = settings or Settings()
    timer_loop = TimerLoop(runtime, settings.timer_interval) if settings.timer_interval > 0 else None
    checkpoints = CheckpointLoop(runtime, settings.checkpoint_interval) if settings.checkpoint_interval > 0 else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if timer_loop is not None:
            timer_loop.start()
        if checkpoints is not None:
            checkpoints.start()
        try:
            yield
        finally:
            if timer_loop is not None:
                timer_loop.stop()
            if checkpoints is not None:
                checkpoints.stop()

    app = FastAPI(title=settings.title, version=VERSION, lifespan=lifespan,
                  default_response_class=TotalJSONResponse,  # a stored NaN never turns a read into a 500
                  description="Enforcement procedures as BPMN, case by case, with a tamper-evident audit trail. "
                              "Errors are always {\"error\": {\"code\", \"message\", \"details\"}}.")
    app.state.runtime, app.state.settings = runtime, settings
    app.state.tokens = Tokens(runtime, settings)
    app.state.login_throttles = user_service.login_throttles()
    app.state.party_throttles = party_service.party_throttles()
    app.state.timer_loop, app.state.checkpoint_loop = timer_loop, checkpoints
    app.state.writes = Writes(runtime.store)
    errors.install(app)
    evidence_bytes = (runtime.settings.max_evidence_mib + 1) * 1024 * 1024 if runtime.settings.evidence_dir else 0
    app.add_middleware(errors.BodyLimit, max_bytes=settings.max_request_bytes, evidence_bytes=evidence_bytes)
    # The hot path first: the router tries routes in this order, and completing tasks is most of the traffic.
    for module in (tasks, cases, documents, issued_documents, audit, auth, party, procedures, users, public, incidents,
                   external_tasks, coordination, grid, assessment, migrations):
        app.include_router(module.router)
    app.include_router(documents.citations)
    web.install(app)  # the web pages (api/web): same services and authorisation, session cookies

    @app.get("/api/health", response_model=HealthView, tags=["health"])
    async def health() -> HealthView:
        """Liveness, without signing in."""
        return HealthView(ok=True, database=runtime.store.dialect)

    return app
