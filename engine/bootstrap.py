"""The one wiring place: settings in, a Runtime out. Only this module reads the process environment.

Secrets live outside the database (environment variables, else files under the var folder, created once with
O_EXCL so every process on the machine agrees): write access to the database alone cannot forge tokens,
access codes, audit tags or checkpoint signatures. There is no built-in fallback secret.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

from engine.domain import Clock, utcnow
from engine.services.runtime import Runtime
from engine.settings import DEFAULT_DB_URL, Settings
from engine.store import Store


def settings_from_env(environ: Mapping[str, str] | None = None, *, var: Path | str = "var",
                      database_url: str | None = None) -> Settings:
    """Settings of a real process: $DUEFLOW_* variables, else key files under `var` (created once)."""
    env = os.environ if environ is None else environ
    folder = Path(env.get("DUEFLOW_VAR", str(var)))
    return Settings(
        database_url=database_url or env.get("DUEFLOW_DB") or DEFAULT_DB_URL,
        database_pooled=env.get("DUEFLOW_DB_POOLED", "") in ("1", "true", "yes"),
        database_listen_url=env.get("DUEFLOW_DB_LISTEN") or None,
        secret=_key(env.get("DUEFLOW_SECRET"), folder / "secret"),
        audit_key=_key(env.get("DUEFLOW_AUDIT_KEY"), folder / "audit.key"),
        signing_seed=_key(env.get("DUEFLOW_SIGNING_SEED"), folder / "signing.key", raw=True),
        witness_path=Path(env.get("DUEFLOW_WITNESS", str(folder / "audit-witness.log"))),
        retired_audit_keys=tuple(k.encode() for k in _listed(env.get("DUEFLOW_RETIRED_AUDIT_KEYS"))),
        retired_public_keys=tuple(_listed(env.get("DUEFLOW_RETIRED_PUBLIC_KEYS"))),
        evidence_dir=Path(env.get("DUEFLOW_EVIDENCE_DIR", str(folder / "evidence"))),
        max_evidence_mib=int(env.get("DUEFLOW_MAX_EVIDENCE_MIB", "2048")),
        jurisdiction=env.get("DUEFLOW_JURISDICTION", "cn"),
        timezone=env.get("DUEFLOW_TIMEZONE", "Asia/Shanghai"),
        script_seconds=float(env.get("DUEFLOW_SCRIPT_SECONDS", "1.0")),
        script_memory_mib=int(env.get("DUEFLOW_SCRIPT_MEMORY_MIB", "256")),
        sandbox_workers=int(env.get("DUEFLOW_SANDBOX_WORKERS", "2")),
        **_agency(env),
    )


def build_runtime(settings: Settings, *, clock: Clock = utcnow, policy: Any = None, migrate: bool = True) -> Runtime:
    """The store (migrated unless told otherwise) and the Runtime every use case receives."""
    store = Store(settings.database_url, pooled=settings.database_pooled, listen_url=settings.database_listen_url)
    if migrate:
        store.migrate()
    return Runtime(store, clock, jurisdiction=settings.jurisdiction, policy=policy, settings=settings)


def _agency(env: Mapping[str, str]) -> dict[str, Any]:
    """The issuing agency's name, number prefix, contact (phone, address, hours, where to pay), seal image and
    portal address, where set."""
    names = {"agency_name": "DUEFLOW_AGENCY_NAME", "agency_name_en": "DUEFLOW_AGENCY_NAME_EN",
             "agency_code": "DUEFLOW_AGENCY_CODE", "agency_contact": "DUEFLOW_AGENCY_CONTACT",
             "portal_url": "DUEFLOW_PORTAL_URL", "agency_phone": "DUEFLOW_AGENCY_PHONE",
             "agency_address": "DUEFLOW_AGENCY_ADDRESS", "agency_address_en": "DUEFLOW_AGENCY_ADDRESS_EN",
             "agency_hours": "DUEFLOW_AGENCY_HOURS", "agency_hours_en": "DUEFLOW_AGENCY_HOURS_EN",
             "agency_payment": "DUEFLOW_AGENCY_PAYMENT", "agency_payment_en": "DUEFLOW_AGENCY_PAYMENT_EN"}
    found: dict[str, Any] = {field: env[name] for field, name in names.items() if env.get(name)}
    if env.get("DUEFLOW_SEAL"):
        found["seal_path"] = Path(env["DUEFLOW_SEAL"])
    return found


def _listed(value: str | None) -> list[str]:
    """A comma-separated list of keys (rotation keeps the retired ones verifiable)."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _key(given: str | None, path: Path, *, raw: bool = False) -> bytes:
    """A key from the environment, else from its file, created once (O_EXCL: concurrent starters agree)."""
    if given:
        return bytes.fromhex(given) if raw else given.encode()
    try:
        return _read_key(path, raw)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path, raw)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) if raw else secrets.token_urlsafe(48))
    return _read_key(path, raw)


def _read_key(path: Path, raw: bool) -> bytes:
    text = path.read_text().strip()
    if not text:
        raise FileNotFoundError(path)  # a concurrent starter is still writing it
    return bytes.fromhex(text) if raw else text.encode()
