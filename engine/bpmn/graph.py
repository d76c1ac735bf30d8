"""A process read from BPMN as a graph (for the due-process lint) the due-process rules can walk, and the facts that hold along paths."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from itertools import product
from typing import Callable, Iterator

from engine.bpmn.model import ALL_FLOW_NODES, SUBPROCESSES
from engine.bpmn.xml import NS, local, properties_of
from engine.domain import ENFORCEMENT_PROPERTY, STAGE_PROPERTY

ROOT = "#start"  # the synthetic node every start event of the process is entered from
TIMER_KINDS = ("timeDuration", "timeDate", "timeCycle")

Facts = frozenset[str]


@dataclass
class Node:
    """One flow node: where it is written and what it is tagged with."""

    id: str
    kind: str
    name: str
    file: str
    line: int | None
    properties: dict[str, str]
    lane: str | None = None
    timer: tuple[str, str] | None = None  # (timeDuration|timeDate|timeCycle, expression) of a timer event
    parent: str | None = None  # the subprocess it sits in
    detached: bool = False  # inside a non-interrupting event subprocess: its end does not end the case
    fields: tuple[str, ...] = ()  # ids of its camunda:formData fields

    @property
    def stage(self) -> str | None:
        return self.properties.get(STAGE_PROPERTY) or None

    @property
    def outcome(self) -> str | None:
        return self.properties.get("outcome") or None

    @property
    def acts(self) -> bool:
        """Whether completing it performs its stage; a timer only marks time passing in it."""
        return self.timer is None


@dataclass(frozen=True)
class Edge:
    """A step from one node to the next; `completes` is False where the source has not finished (boundary)."""

    target: str
    completes: bool


@dataclass
class ProcessGraph:
    """A bpmn:process with embedded subprocesses flattened: X is entered at `X`, left at `X#exit`."""

    id: str
    name: str
    file: str
    line: int | None
    properties: dict[str, str]
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[str, list[Edge]] = field(default_factory=dict)
    join_sources: dict[str, list[str]] = field(default_factory=dict)  # parallel joins: their sources
    embedded: set[str] = field(default_factory=set)  # subprocesses left through `X#exit`
    has_start: bool = False

    @property
    def enforcement(self) -> bool:
        marked = self.properties.get(ENFORCEMENT_PROPERTY, "").strip().lower() in ("true", "yes", "1")
        return marked or any(node.stage for node in self.nodes.values())

    @property
    def categories(self) -> list[str]:
        return [c.strip() for c in self.properties.get("categories", "").split(",") if c.strip()]

    def node_for(self, key: str) -> Node | None:
        """The node a graph key stands for: `X#exit` leaves subprocess X (and completes it)."""
        return self.nodes.get(key.removesuffix("#exit"))

    def terminals(self) -> Iterator[Node]:
        """Nodes where a path ends the case: no way on, outside non-interrupting event subprocesses."""
        for key, node in self.nodes.items():
            if node.kind in SUBPROCESSES:
                if key not in self.embedded:
                    continue  # an event subprocess has no exit: only its own end events end a path
                key = f"{key}#exit"
            if not self.edges.get(key) and not node.detached:
                yield node

    def reachable(self) -> set[str]:
        seen, work = {ROOT}, [ROOT]
        while work:
            for edge in self.edges.get(work.pop(), ()):
                if edge.target not in seen:
                    seen.add(edge.target)
                    work.append(edge.target)
        return seen

    def path_facts(self, gain: Callable[[Node, Facts], Facts]) -> dict[str, set[Facts]]:
        """For each node, every set of facts some path from a start event can carry into it.

        Facts are gained when a node completes (`gain`); at a parallel join all incoming branches have
        run, so their facts combine; anywhere else paths stay apart, so one path missing a fact shows."""
        states: dict[str, set[Facts]] = {ROOT: {frozenset()}}
        arrived: dict[tuple[str, str], set[Facts]] = {}
        work = deque([ROOT])
        while work:
            key = work.popleft()
            node = self.node_for(key)
            for edge in self.edges.get(key, ()):
                out = {gain(node, s) if edge.completes and node else s for s in states[key]}
                if edge.target in self.join_sources:
                    arrived.setdefault((edge.target, key), set()).update(out)
                    out = _combine([arrived.get((edge.target, s), set()) for s in self.join_sources[edge.target]])
                known = states.setdefault(edge.target, set())
                if not out <= known:
                    known |= out
                    work.append(edge.target)
        return states


def _combine(branches: list[set[Facts]]) -> set[Facts]:
    combined: set[Facts] = {frozenset()}
    for branch in branches:  # an empty branch (not arrived yet) leaves nothing: the join waits
        combined = {a | b for a, b in product(combined, branch)}
    return combined


def read_processes(file: str, root) -> list[ProcessGraph]:
    """Every bpmn:process of a parsed BPMN file, as graphs."""
    graphs = []
    for process in root.xpath("./bpmn:process", namespaces=NS):
        graph = ProcessGraph(id=process.get("id") or "", name=process.get("name") or "", file=file,
                             line=process.sourceline, properties=properties_of(process))
        lanes = {(ref.text or "").strip(): lane.get("name") or lane.get("id")
                 for lane in process.xpath(".//bpmn:lane", namespaces=NS)
                 for ref in lane.xpath("./bpmn:flowNodeRef", namespaces=NS)}
        graph.has_start = _container(graph, process, lanes, ROOT, None, None, False)
        graphs.append(graph)
    return graphs


def _container(graph, element, lanes, entry, exit_, parent: Node | None, detached) -> bool:
    """Add a process or subprocess body to the graph; return whether it has a start event."""
    children = [c for c in element if local(c.tag) in ALL_FLOW_NODES and c.get("id")]
    for child in children:
        node = Node(id=child.get("id"), kind=local(child.tag), name=child.get("name") or "", file=graph.file,
                    line=child.sourceline, properties=properties_of(child),
                    # SpiffWorkflow gives a task inside a subprocess the subprocess's lane; so do we
                    lane=lanes.get(child.get("id")) or (parent.lane if parent else None),
                    parent=parent.id if parent else None, detached=detached,
                    fields=tuple(f.get("id") or "" for f in child.xpath(
                        "./bpmn:extensionElements/camunda:formData/camunda:formField", namespaces=NS)))
        for definition in child.xpath("./bpmn:timerEventDefinition", namespaces=NS):
            expression = next((e for e in definition if local(e.tag) in TIMER_KINDS), None)
            node.timer = (local(expression.tag), (expression.text or "").strip()) if expression is not None \
                else ("timeDuration", "")
        graph.nodes[node.id] = node
    ids = {c.get("id"): local(c.tag) for c in children}
    inner = {c.get("id") for c in children if local(c.tag) in SUBPROCESSES and c.get("triggeredByEvent") != "true"}
    flows = [f for f in element if local(f.tag) == "sequenceFlow"]
    has_outgoing = {f.get("sourceRef") for f in flows}
    for flow in flows:
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source in ids and target in ids:
            _edge(graph, f"{source}#exit" if source in inner else source, target, True)
            if ids[target] == "parallelGateway":
                graph.join_sources.setdefault(target, []).append(f"{source}#exit" if source in inner else source)
    # a parallel gateway with one incoming flow only splits; it must not wait as a join
    for gateway in [g for g, sources in graph.join_sources.items() if len(sources) < 2]:
        del graph.join_sources[gateway]
    starts = [c.get("id") for c in children if local(c.tag) == "startEvent"]
    for start in starts:
        _edge(graph, entry, start, False)
    for child in children:
        kind, child_id = local(child.tag), child.get("id")
        if kind == "boundaryEvent" and child.get("attachedToRef") in ids:
            _edge(graph, child.get("attachedToRef"), child_id, False)
        if kind in SUBPROCESSES and child.get("triggeredByEvent") == "true":
            # an event subprocess can start whenever its parent runs: its starts are entered from there
            interrupting = all(s.get("isInterrupting", "true") != "false"
                               for s in child.xpath("./bpmn:startEvent", namespaces=NS))
            _edge(graph, entry, child_id, False)
            _container(graph, child, lanes, child_id, None, graph.nodes[child_id], detached or not interrupting)
        elif kind in SUBPROCESSES:
            graph.embedded.add(child_id)
            if not _container(graph, child, lanes, child_id, f"{child_id}#exit", graph.nodes[child_id], detached):
                _edge(graph, child_id, f"{child_id}#exit", False)
        if exit_ and child_id not in has_outgoing and child.get("triggeredByEvent") != "true":
            _edge(graph, f"{child_id}#exit" if child_id in inner else child_id, exit_, True)
    return bool(starts)


def _edge(graph: ProcessGraph, source: str, target: str, completes: bool) -> None:
    graph.edges.setdefault(source, []).append(Edge(target, completes))
