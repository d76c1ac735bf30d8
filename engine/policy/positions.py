"""The due-process rule of the lint, asked of one running case at a given position: from where the case stands
(with the rights it has already had), can any path reach a penalty decision without a served rights notice and
the statement period after it? A migration plan that would let a case skip a right is refused with this."""
from __future__ import annotations

from collections import deque
from typing import Iterable

from engine.bpmn import ProcessGraph
from engine.bpmn.graph import Facts, Node
from engine.domain import Stage
from engine.policy.config import Policy
from engine.policy.rules import _YES, _timer_long_enough

NOTICE, STATEMENT = "notice", "statement"  # the facts of check_rights_notice, for a case: rights already had


def _gain(policy: Policy):
    def gain(node: Node, facts: Facts) -> Facts:
        if node.stage == Stage.RIGHTS_NOTICE.value and node.acts:
            return facts | {NOTICE}
        if node.stage == Stage.STATEMENT_PERIOD.value and NOTICE in facts:
            waived = node.acts and node.properties.get("waiver", "").lower() in _YES
            if waived or (node.timer and _timer_long_enough(node, policy)):
                return facts | {STATEMENT}
        return facts
    return gain


def rights_skipped(graph: ProcessGraph, policy: Policy, positions: Iterable[str], had: Iterable[str]) -> list[str]:
    """Why the case at `positions` (element ids), having had the rights in `had` (notice, statement), could reach
    a penalty decision without them; empty when every path on from there gives the party its rights first.
    Parallel joins pass each branch on by itself: a branch that lacks a right shows, as in the deploy's lint."""
    gain, seed = _gain(policy), frozenset(had)
    states: dict[str, set[Facts]] = {p: {seed} for p in positions if graph.node_for(p) is not None}
    work = deque(states)
    while work:
        key = work.popleft()
        node = graph.node_for(key)
        for edge in graph.edges.get(key, ()):
            out = {gain(node, s) if edge.completes and node else s for s in states[key]}
            known = states.setdefault(edge.target, set())
            if not out <= known:
                known |= out
                work.append(edge.target)
    reasons = []
    for node in sorted(graph.nodes.values(), key=lambda n: (n.line or 0, n.id)):
        if node.stage != Stage.PENALTY_DECISION.value or not node.acts:
            continue
        lacking = {fact for state in states.get(node.id, ()) for fact in (NOTICE, STATEMENT) if fact not in state}
        if NOTICE in lacking:
            reasons.append(f"from its new position the case could reach the penalty decision '{node.id}' without "
                           "the rights notice it has not had (PL 44, 62)")
        elif STATEMENT in lacking:
            reasons.append(f"from its new position the case could reach the penalty decision '{node.id}' before its "
                           "statement period has run (PL 44-45)")
    return reasons
