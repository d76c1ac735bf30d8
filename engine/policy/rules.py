"""The due-process rules, one `check_*` function each, over one process graph and a policy."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from engine.domain import DECIDED_AMOUNT_PROPERTY, NOTIFIED_AMOUNT_PROPERTY, Stage
from engine.policy.config import Policy
from engine.bpmn.graph import Facts, Node, ProcessGraph
from engine.policy.periods import calendar_days_needed, covers, parse_timer

_STAGES = {stage.value for stage in Stage}
_YES = ("true", "yes", "1")


@dataclass(frozen=True)
class Finding:
    """A rule broken at one element; the policy turns it into a Problem with severity and message."""

    rule: str
    element_id: str | None
    file: str
    line: int | None
    detail: str = ""


def _at(rule: str, node: Node | ProcessGraph, detail: str = "") -> Finding:
    return Finding(rule, node.id, node.file, node.line, detail)


def _timer_long_enough(node: Node, policy: Policy) -> bool:
    """Whether a timer counts as the legal period of its stage; one we cannot read counts (a warning says so)."""
    minimum = policy.minimums.get(node.stage or "")
    period = parse_timer(*node.timer) if node.timer else None
    return minimum is None or period is None or covers(period, minimum, policy.holiday_margin_days)


def _first(nodes: Iterable[Node]) -> list[Node]:
    return sorted(nodes, key=lambda n: (n.line or 0, n.id))


# ---- generic rules: every process ------------------------------------------------------------------


def check_unreachable(graph: ProcessGraph, policy: Policy) -> Iterator[Finding]:
    """Elements no start event leads to never run, and SpiffWorkflow drops them without a word."""
    if graph.nodes and not graph.has_start:
        yield _at("UNREACHABLE_ELEMENT", graph, "the process has no start event, so nothing in it runs")
        return
    reached = graph.reachable()
    for node in graph.nodes.values():
        # inside an unreachable subprocess only the subprocess itself is reported
        if node.id not in reached and (node.parent is None or node.parent in reached):
            yield _at("UNREACHABLE_ELEMENT", node, f"{node.kind} '{node.name or node.id}'")


def check_categories(graph: ProcessGraph, policy: Policy) -> Iterator[Finding]:
    """A process declaring a category the policy reserves for enforcement must be an enforcement procedure."""
    required = sorted(set(graph.categories) & policy.enforcement_categories)
    if required and not graph.enforcement:
        yield _at("CATEGORY_REQUIRES_ENFORCEMENT", graph,
                  f"categories {', '.join(required)}; mark the process enforcement=true and tag its stages")


# ---- enforcement rules ----------------------------------------------------------------------------


def check_stages(graph: ProcessGraph, policy: Policy) -> Iterator[Finding]:
    for node in graph.nodes.values():
        if node.stage and node.stage not in _STAGES:
            yield _at("UNKNOWN_STAGE", node, f"'{node.stage}' is not one of: {', '.join(sorted(_STAGES))}")


def check_user_tasks(graph: ProcessGraph, policy: Policy) -> Iterator[Finding]:
    for node in graph.nodes.values():
        if node.kind != "userTask":
            continue
        if not node.lane:
            yield _at("USER_TASK_WITHOUT_LANE", node, "put it in the lane of the role that does it")
        if not node.stage:
            yield _at("USER_TASK_WITHOUT_STAGE", node, "add the extension property stage")


def check_timers(graph: ProcessGraph, policy: Policy) -> Iterator[Finding]:
    """A timer tagged with a stage that has a legal minimum must surely wait at least that long."""
    for node in graph.nodes.values():
        minimum = policy.minimums.get(node.stage or "")
        if node.timer is None or minimum is None:
            continue
        kind, expression = node.timer
        period = parse_timer(kind, expression)
        if period is None:
            helper = "working_days_after" if minimum.working else "calendar_days_after"
            yield _at("TIMER_UNCHECKABLE", node, f"{kind} '{expression}' is no period we can read; the "
                      f"{node.stage} stage needs at least {minimum} (write e.g. {helper}(served_on, {minimum.days:g}))")
        elif not covers(period, minimum, policy.holiday_margin_days):
            needed = calendar_days_needed(minimum, policy.holiday_margin_days)
            surely = f" ({minimum} are only sure to pass in {needed:g} calendar days with weekends and " \
                     f"{policy.holiday_margin_days} holiday days)" if minimum.working and not period.working else ""
            yield _at("TIMER_TOO_SHORT", node, f"'{expression}' waits {period}; the {node.stage} stage needs "
                      f"at least {minimum}{surely}")


def _missing(states: dict[str, set[Facts]], targets: Iterable[Node], needed: dict[str, str],
             skip: Callable[[Node, Facts], bool] = lambda node, facts: False) -> Iterator[tuple[Node, list[str]]]:
    """Targets some path enters without a needed fact, with what it lacks (in the order of `needed`)."""
    for node in _first(targets):
        lacking = {fact for state in states.get(node.id, ()) if not skip(node, state)
                   for fact in needed if fact not in state}
        if lacking:
            yield node, [text for fact, text in needed.items() if fact in lacking]


def check_rights_notice(graph: ProcessGraph, policy: Policy) -> Iterator[Finding]:
    """PL 44-45, 62: no penalty decision before a served rights notice and the statement period after it."""
    minimum = policy.minimums.get(Stage.STATEMENT_PERIOD.value)

    def gain(node: Node, facts: Facts) -> Facts:
        if node.stage == Stage.RIGHTS_NOTICE.value and node.acts:
            return facts | {"notice"}
        if node.stage == Stage.STATEMENT_PERIOD.value and "notice" in facts:
            # the period counts from the notice: a long enough timer, or a recorded waiver (PL 62)
            waived = node.acts and node.properties.get("waiver", "").lower() in _YES
            if waived or (node.timer and _timer_long_enough(node, policy)):
                return facts | {"statement"}
        return facts

    needed = {"notice": "a served rights notice",
              "statement": f"a statement period{f' of at least {minimum}' if minimum else ''} after the notice"}
    targets = [n for n in graph.nodes.values() if n.stage == Stage.PENALTY_DECISION.value and n.acts]
    for node, lacking in _missing(graph.path_facts(gain), targets, needed):
        yield _at("PENALTY_WITHOUT_RIGHTS_NOTICE", node, f"a path from a start event reaches it without "
                  f"{' and without '.join(lacking)}")


EVIDENCE_PROPERTY = "evidence"  # a user task's extension property: evidence is collected and attached here


def check_evidence(graph: ProcessGraph, policy: Policy) -> Iterator[Finding]:
    """PL 40, 46, 55: a penalty rests on evidence lawfully collected, so every path to a penalty decision passes a
    user task where evidence is attached (an investigation step, or any user task marked evidence=true)."""

    def gain(node: Node, facts: Facts) -> Facts:
        collects = node.stage == Stage.INVESTIGATION.value or \
            node.properties.get(EVIDENCE_PROPERTY, "").lower() in _YES
        return facts | {"evidence"} if node.kind == "userTask" and node.acts and collects else facts

    targets = [n for n in graph.nodes.values() if n.stage == Stage.PENALTY_DECISION.value and n.acts]
    for node, _ in _missing(graph.path_facts(gain), targets, {"evidence": "evidence"}):
        yield _at("PENALTY_WITHOUT_EVIDENCE", node, "a path from a start event reaches it without a user task "
                  f"where evidence is attached (stage investigation, or the property {EVIDENCE_PROPERTY}=true)")


def check_penalty_amounts(graph: ProcessGraph, policy: Policy) -> Iterator[Finding]:
    """PL 45: the engine caps the decided amount at the notified one, so it must know which fields hold them."""
    deciding = _first(n for n in graph.nodes.values() if n.stage == Stage.PENALTY_DECISION.value and n.acts)
    if not deciding:
        return
    missing = [p for p in (NOTIFIED_AMOUNT_PROPERTY, DECIDED_AMOUNT_PROPERTY) if not graph.properties.get(p, "").strip()]
    if missing:
        yield _at("PENALTY_AMOUNTS_UNDECLARED", graph, f"the process declares no {' and no '.join(missing)} "
                  f"(extension properties naming the variables of the notified and the decided amount)")
        return
    decided = graph.properties[DECIDED_AMOUNT_PROPERTY].strip()
    for node in deciding:
        if node.kind == "userTask" and node.fields and decided not in node.fields:
            yield _at("PENALTY_AMOUNTS_UNDECLARED", node, f"{DECIDED_AMOUNT_PROPERTY} '{decided}' is no field of its "
                      f"form ({', '.join(node.fields)})")


def _ends(graph: ProcessGraph, skip: frozenset[str]) -> list[Node]:
    return _first(n for n in graph.terminals() if (n.outcome or "") not in skip)


def check_order_to_correct(graph: ProcessGraph, policy: Policy) -> Iterator[Finding]:
    """PL 28: a path through a penalty decision carries an order to correct, before or after it."""
    # Ends whose outcome says no penalty was imposed are not penalty paths, even after the decision task:
    # deciding may still end in no penalty.
    ends = _ends(graph, policy.no_penalty_outcomes | policy.exempt_outcomes)
    deciding = [n for n in graph.nodes.values() if n.stage == Stage.PENALTY_DECISION.value and n.acts]
    for decision in _first(deciding):
        def gain(node: Node, facts: Facts, decision_id: str = decision.id) -> Facts:
            if node.id == decision_id:
                return facts | {"decided"}
            if node.stage == Stage.ORDER_TO_CORRECT.value and node.acts:
                return facts | {"ordered"}
            return facts

        states = graph.path_facts(gain)
        end = next((end for end in ends for state in states.get(end.id, ())
                    if {"decided"} <= gain(end, state) and "ordered" not in gain(end, state)), None)
        if end is not None:
            yield _at("PENALTY_WITHOUT_ORDER_TO_CORRECT", decision,
                      f"a path through it ends at '{end.id}' without an order_to_correct step")


def check_education(graph: ProcessGraph, policy: Policy) -> Iterator[Finding]:
    """PL 33: a case ending without a penalty passes an education step; exempt outcomes aside."""

    def gain(node: Node, facts: Facts) -> Facts:
        if node.stage == Stage.PENALTY_DECISION.value and node.acts:
            return facts | {"penalty"}
        if node.stage == Stage.EDUCATION.value and node.acts:
            return facts | {"education"}
        return facts

    states = graph.path_facts(gain)
    for end in _ends(graph, policy.exempt_outcomes):
        declared = (end.outcome or "") in policy.no_penalty_outcomes
        for state in (gain(end, s) for s in states.get(end.id, ())):
            if "education" not in state and (declared or "penalty" not in state):
                why = f"outcome '{end.outcome}' means no penalty, but a path" if declared else \
                    "a path without a penalty decision"
                yield _at("NO_PENALTY_WITHOUT_EDUCATION", end, f"{why} reaches this end without an education "
                          f"step (if nothing was established, give the end an exempt outcome: "
                          f"{', '.join(sorted(policy.exempt_outcomes))})")
                break


def check_judicial_referral(graph: ProcessGraph, policy: Policy) -> Iterator[Finding]:
    """CL 35, 53-54: apply to the court only after the decision is served, a demand served and the wait over."""
    minimum = policy.minimums.get(Stage.DEMAND.value)

    def gain(node: Node, facts: Facts) -> Facts:
        stage = node.stage
        if stage == Stage.PENALTY_DECISION.value and node.acts:
            return facts | {"decided"}
        if stage == Stage.SERVICE.value and node.acts and "decided" in facts:
            return facts | {"served"}
        if stage == Stage.DEMAND.value and node.acts and "served" in facts:
            return facts | {"demanded"}
        if stage == Stage.DEMAND.value and node.timer and "demanded" in facts and _timer_long_enough(node, policy):
            return facts | {"waited"}
        if stage == Stage.JUDICIAL_REFERRAL.value and node.acts:
            return facts | {"applied"}
        return facts

    needed = {"served": "service of the penalty decision", "demanded": "a served demand after it",
              "waited": f"a wait{f' of at least {minimum}' if minimum else ''} after the demand"}
    targets = [n for n in graph.nodes.values() if (n.stage == Stage.JUDICIAL_REFERRAL.value and n.acts)
               or (n.outcome or "") in policy.judicial_outcomes]

    def reported(node: Node, facts: Facts) -> bool:
        # an end with a judicial outcome speaks only for paths that passed no application task (checked itself)
        return node.stage != Stage.JUDICIAL_REFERRAL.value and "applied" in facts

    for node, lacking in _missing(graph.path_facts(gain), targets, needed, reported):
        yield _at("JUDICIAL_REFERRAL_TOO_EARLY", node, f"a path from a start event reaches it without "
                  f"{', without '.join(lacking)}")


GENERIC_CHECKS = (check_unreachable, check_categories)
ENFORCEMENT_CHECKS = (check_stages, check_user_tasks, check_timers, check_rights_notice, check_evidence,
                      check_penalty_amounts,
                      check_order_to_correct, check_education, check_judicial_referral)


def check_process(graph: ProcessGraph, policy: Policy) -> Iterator[Finding]:
    """Generic rules for every process; the due-process rules only for enforcement procedures."""
    checks = GENERIC_CHECKS + (ENFORCEMENT_CHECKS if graph.enforcement else ())
    for check in checks:
        yield from check(graph, policy)

