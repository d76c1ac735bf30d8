"""What a Dueflow process is configured with: database, secrets, jurisdiction, timezone and budgets.
engine.bootstrap builds it from the environment; tests build it directly (`Settings.ephemeral()`)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEFAULT_DB_URL = "sqlite:///var/dueflow.db"


def _random_key() -> bytes:
    return secrets.token_bytes(32)


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DB_URL
    database_pooled: bool = False  # the URL goes through a transaction-mode pooler (PgBouncer): no session state
    database_listen_url: str | None = None  # a direct PostgreSQL URL for LISTEN when pooled; None: poll instead
    secret: bytes = field(default_factory=_random_key, repr=False)  # signs tokens, hashes party access codes
    audit_key: bytes = field(default_factory=_random_key, repr=False)  # HMAC tag of every audit event
    signing_seed: bytes = field(default_factory=_random_key, repr=False)  # Ed25519 key of audit checkpoints
    witness_path: Path | None = None  # signed checkpoints appended outside the database; None keeps none
    retired_audit_keys: tuple[bytes, ...] = field(default=(), repr=False)  # still accepted by verify
    retired_public_keys: tuple[str, ...] = ()  # hex Ed25519 keys whose old checkpoints verify still trusts
    evidence_dir: Path | None = None  # evidence files stream here (by sha256); None keeps small ones in the database
    max_evidence_mib: int = 2048  # the largest evidence file (a video) when an evidence folder is set
    jurisdiction: str = "cn"
    timezone: str = "Asia/Shanghai"
    script_seconds: float = 1.0  # CPU budget of one step's procedure code
    script_memory_mib: int = 256  # memory budget of one step's procedure code
    sandbox_workers: int = 2  # sandbox processes per server process
    # the issuing agency, as printed on every document it issues (engine/documents)
    agency_name: str = "示范市城市管理综合行政执法局"
    agency_name_en: str = "Demo City Urban Administration Enforcement Bureau"
    agency_code: str = "示城管"  # the prefix of its document numbers: 示城管罚决〔2026〕1号
    agency_contact: str = ""  # address and telephone printed under the seal
    # whom the party calls and where it pays, on every page of the party portal (empty: not shown)
    agency_phone: str = ""
    agency_address: str = ""
    agency_address_en: str = ""
    agency_hours: str = ""  # office hours, as the agency writes them
    agency_hours_en: str = ""
    agency_payment: str = ""  # where and how a fine is paid (PL 67: a bank, never the officers)
    agency_payment_en: str = ""
    seal_path: Path | None = None  # a PNG or SVG of the seal; None prints the agency's name in a red ring
    portal_url: str = "http://127.0.0.1:8000/party"  # the party portal a document's QR code opens

    @classmethod
    def ephemeral(cls, **overrides: Any) -> "Settings":
        """Fresh random keys held in memory only: tests and one-off tools."""
        return replace(cls(), **overrides)
