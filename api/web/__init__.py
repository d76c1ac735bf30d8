"""The web pages of Dueflow for officers, admins, auditors and parties: server-rendered Jinja2 with a little
htmx, on the same services and authorisation as the JSON API. `install(app)` is the one hook in create_app."""
from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.web import i18n
from api.web.pages import STATIC

ROOT = Path(__file__).resolve().parent.parent.parent
NODE_MODULES = ROOT / "node_modules"
# The modeler's bundle (bpmn-js with the properties panel), built from api/modeler by `npm run build`.
BUILD = ROOT / "build" / "web"
# Only the built files each page needs, served straight from node_modules (installed by `make install`).
VENDOR = {"bpmn-js": NODE_MODULES / "bpmn-js" / "dist",
          "camunda-bpmn-moddle": NODE_MODULES / "camunda-bpmn-moddle" / "resources",
          "htmx": NODE_MODULES / "htmx.org" / "dist", "echarts": NODE_MODULES / "echarts" / "dist",
          "modeler": BUILD}


def vendor_ready() -> bool:
    return all(folder.is_dir() for folder in VENDOR.values()) and (BUILD / "modeler.js").is_file()


def built_url(name: str) -> str:
    """/static/vendor/modeler/<name>?v=<hash>, so a rebuilt bundle is never served stale from a cache."""
    file = BUILD / name
    version = hashlib.sha256(file.read_bytes()).hexdigest()[:10] if file.is_file() else "0"
    return f"/static/vendor/modeler/{name}?v={version}"


def install(app: FastAPI) -> None:
    from api.web import (admin, assessment, audit, auth, coordination, error_pages, grid, migrations, officer,
                         paperwork, party)

    i18n.load()
    error_pages.install(app)
    app.state.vendor_ready = vendor_ready()
    for name, folder in VENDOR.items():
        if folder.is_dir():
            app.mount(f"/static/vendor/{name}", StaticFiles(directory=folder), name=f"vendor-{name}")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, coordination, grid, assessment, officer, paperwork, migrations, admin, audit, party):
        app.include_router(module.router)
