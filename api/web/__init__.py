"""The web pages of Dueflow for officers, admins, auditors and parties: server-rendered Jinja2 with a little
htmx, on the same services and authorisation as the JSON API. `install(app)` is the one hook in create_app."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.web import i18n
from api.web.pages import STATIC

ROOT = Path(__file__).resolve().parent.parent.parent
NODE_MODULES = ROOT / "node_modules"
# Only the built files each page needs, served straight from node_modules (installed by `make install`).
VENDOR = {"bpmn-js": NODE_MODULES / "bpmn-js" / "dist",
          "camunda-bpmn-moddle": NODE_MODULES / "camunda-bpmn-moddle" / "resources",
          "htmx": NODE_MODULES / "htmx.org" / "dist", "echarts": NODE_MODULES / "echarts" / "dist"}


def vendor_ready() -> bool:
    return all(folder.is_dir() for folder in VENDOR.values())


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
