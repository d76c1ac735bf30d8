"""Due-process policies: TOML files naming rule severities, legal minimums and outcome classes."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from engine.domain import DueflowError, Stage
from engine.policy.periods import Period

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"
DEFAULT_POLICY = "prc_ordinary"
SEVERITIES = ("error", "warning", "off")

# Every rule the lint knows, with the severity and message it has when no policy file says otherwise,
# so an agency file that does not extend the default still gets every check.
RULES: dict[str, tuple[str, str]] = {
    "XML_SYNTAX": ("error", "malformed XML"),
    "UNREACHABLE_ELEMENT": ("error", "not reachable from any start event"),
    "CATEGORY_REQUIRES_ENFORCEMENT": ("error", "this case category needs an enforcement procedure"),
    "UNKNOWN_STAGE": ("error", "unknown stage"),
    "USER_TASK_WITHOUT_LANE": ("error", "user task in no lane, so no role may complete it"),
    "USER_TASK_WITHOUT_STAGE": ("error", "user task of an enforcement procedure without a stage"),
    "PENALTY_WITHOUT_RIGHTS_NOTICE": ("error", "penalty decision without a served rights notice and statement "
                                               "period before it (PL 44, 45, 62)"),
    "PENALTY_WITHOUT_EVIDENCE": ("error", "penalty decision that no path of collected evidence leads to: no user "
                                          "task before it attaches evidence (PL 40, 46, 55)"),
    "PENALTY_AMOUNTS_UNDECLARED": ("error", "penalty decision without declared notified and decided amount fields, "
                                            "so the cap at the notified amount cannot be checked (PL 45)"),
    "PENALTY_WITHOUT_ORDER_TO_CORRECT": ("error", "penalty decision without an order to correct (PL 28)"),
    "NO_PENALTY_WITHOUT_EDUCATION": ("error", "case ends without a penalty and without education (PL 33)"),
    "JUDICIAL_REFERRAL_TOO_EARLY": ("error", "application to the court before the decision is served, a demand "
                                             "is served and the wait after it has passed (CL 35, 53-54)"),
    "TIMER_TOO_SHORT": ("error", "timer shorter than the legal minimum of its stage"),
    "TIMER_UNCHECKABLE": ("warning", "cannot check the timer against the legal minimum of its stage"),
}


class PolicyError(DueflowError):
    """A policy file that cannot be read or says something the lint does not understand."""

    code = "invalid_policy"


@dataclass(frozen=True)
class RuleSetting:
    """How one rule reports: its severity (error, warning, off) and its message."""

    severity: str
    message: str


@dataclass(frozen=True)
class Policy:
    """The rules a procedure is linted against, read from one policy file and the files it extends."""

    name: str
    rules: Mapping[str, RuleSetting]
    minimums: Mapping[str, Period]
    holiday_margin_days: int
    exempt_outcomes: frozenset[str]
    no_penalty_outcomes: frozenset[str]
    judicial_outcomes: frozenset[str]
    enforcement_categories: frozenset[str]
    sources: tuple[str, ...] = ()

    def rule(self, rule_id: str) -> RuleSetting:
        return self.rules[rule_id]


def load_policy(path: str | Path | None = None) -> Policy:
    """Read a policy file (None: the bundled default; a bare name: a bundled policy), following `extends`."""
    data, sources = _read(_locate(path if path is not None else DEFAULT_POLICY, Path.cwd()), ())
    return _build(data, sources)


def _locate(ref: str | Path, base: Path) -> Path:
    text = str(ref)
    if isinstance(ref, str) and "/" not in text and "\\" not in text and not text.endswith(".toml"):
        return POLICY_DIR / f"{text}.toml"  # a bare name means a bundled policy, e.g. extends = "prc_ordinary"
    candidate = Path(text)
    return candidate if candidate.is_absolute() else base / candidate


def _read(path: Path, seen: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
    resolved = str(path.resolve())
    if resolved in seen:
        raise PolicyError(f"policy {path} extends itself (through {' -> '.join(seen)})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"no policy file {path}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"cannot read policy {path}: {exc}") from None
    parent = data.pop("extends", None)
    if parent is None:
        return data, (resolved,)
    if not isinstance(parent, str):
        raise PolicyError(f"{path}: extends must be a policy name or a file path")
    base, chain = _read(_locate(parent, path.parent), (*seen, resolved))
    return _merge(base, data), (*chain, resolved)  # files base first, the way they were layered


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value (lists too) in the override replaces the base's."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


_KEYS = {"": {"name", "title", "holiday_margin_days", "minimums", "outcomes", "categories", "rules"},
         "outcomes": {"exempt", "no_penalty", "judicial"}, "categories": {"require_enforcement"}}


def _build(data: dict[str, Any], sources: tuple[str, ...]) -> Policy:
    where = sources[-1] if sources else "policy"
    for table, allowed in _KEYS.items():  # a misspelt key would otherwise be ignored without a word
        keys = set(data.get(table) or {}) if table else set(data)
        if keys - allowed:
            raise PolicyError(f"{where}: unknown key(s) {', '.join(sorted(keys - allowed))} in "
                              f"{f'[{table}]' if table else 'the policy'}; known: {', '.join(sorted(allowed))}")
    rules = {rule_id: RuleSetting(*default) for rule_id, default in RULES.items()}
    for rule_id, table in (data.get("rules") or {}).items():
        if rule_id not in RULES:
            raise PolicyError(f"{where}: unknown rule {rule_id}; known rules: {', '.join(RULES)}")
        if not isinstance(table, dict):
            raise PolicyError(f"{where}: [rules.{rule_id}] must be a table")
        severity = table.get("severity", rules[rule_id].severity)
        if severity not in SEVERITIES:
            raise PolicyError(f"{where}: rules.{rule_id}.severity must be one of {', '.join(SEVERITIES)}")
        rules[rule_id] = RuleSetting(severity, str(table.get("message", rules[rule_id].message)))
    outcomes = data.get("outcomes") or {}
    categories = data.get("categories") or {}
    margin = data.get("holiday_margin_days", 0)
    if not isinstance(margin, int) or margin < 0:
        raise PolicyError(f"{where}: holiday_margin_days must be a whole number of days >= 0")
    return Policy(
        name=str(data.get("name") or Path(where).stem),
        rules=rules,
        minimums={stage: _minimum(where, stage, value) for stage, value in (data.get("minimums") or {}).items()},
        holiday_margin_days=margin,
        exempt_outcomes=_names(where, "outcomes.exempt", outcomes.get("exempt", ())),
        no_penalty_outcomes=_names(where, "outcomes.no_penalty", outcomes.get("no_penalty", ())),
        judicial_outcomes=_names(where, "outcomes.judicial", outcomes.get("judicial", ())),
        enforcement_categories=_names(where, "categories.require_enforcement",
                                      categories.get("require_enforcement", ())),
        sources=sources,
    )


def _minimum(where: str, stage: str, value: Any) -> Period:
    if stage not in {s.value for s in Stage}:
        raise PolicyError(f"{where}: minimums.{stage}: no such stage")
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ("working_days", "calendar_days"):
        raise PolicyError(f"{where}: minimums.{stage} must be {{ working_days = N }} or {{ calendar_days = N }}")
    unit, days = next(iter(value.items()))
    if isinstance(days, bool) or not isinstance(days, (int, float)) or days < 0:
        raise PolicyError(f"{where}: minimums.{stage}.{unit} must be a number >= 0")
    return Period(float(days), working=unit == "working_days")


def _names(where: str, key: str, value: Any) -> frozenset[str]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{where}: {key} must be a list of names")
    return frozenset(value)
