"""A diagram for BPMN written without one: bpmn-js draws only what the file's BPMNDI places, so a process
without it is laid out here, left to right in layers by the longest path from its start, before it is shown.
Files that carry their own diagram are returned unchanged."""
from __future__ import annotations

from collections import defaultdict

from lxml import etree

from engine.bpmn.model import ALL_FLOW_NODES
from engine.bpmn.xml import BPMN_NS as BPMN
from engine.bpmn.xml import BPMNDI_NS as BPMNDI
from engine.bpmn.xml import DC_NS as DC
from engine.bpmn.xml import DI_NS as DI
from engine.bpmn.xml import local, parse_xml, tostring

COLUMN, ROW, MARGIN = 170, 130, 60
SIZES = {"event": (36, 36), "gateway": (50, 50), "task": (110, 80)}


def _size(kind: str) -> tuple[int, int]:
    if kind.endswith("Event"):
        return SIZES["event"]
    if kind.endswith("Gateway"):
        return SIZES["gateway"]
    return SIZES["task"]


def with_diagram(xml: str) -> str:
    """The BPMN text with a generated BPMNDI when it has none (and unchanged when it has one or is malformed)."""
    root, problem = parse_xml("diagram", xml)
    if problem is not None:
        return xml
    if root.find(f"{{{BPMNDI}}}BPMNDiagram") is not None:
        return xml
    process = next((p for p in root.findall(f"{{{BPMN}}}process") if p.get("isExecutable") == "true"),
                   root.find(f"{{{BPMN}}}process"))
    if process is None:
        return xml
    nodes = {n.get("id"): local(n.tag) for n in process if local(n.tag) in ALL_FLOW_NODES and n.get("id")}
    flows = [(f.get("id"), f.get("sourceRef"), f.get("targetRef")) for f in process
             if local(f.tag) == "sequenceFlow" and f.get("sourceRef") in nodes and f.get("targetRef") in nodes]
    boundary = {n.get("id"): n.get("attachedToRef") for n in process
                if local(n.tag) == "boundaryEvent" and n.get("attachedToRef") in nodes}
    bounds = _place(nodes, flows, boundary)
    diagram = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id=f"{process.get('id')}_diagram",
                               nsmap={"bpmndi": BPMNDI, "dc": DC, "di": DI})
    plane = etree.SubElement(diagram, f"{{{BPMNDI}}}BPMNPlane", id=f"{process.get('id')}_plane",
                             bpmnElement=process.get("id"))
    for node_id, (x, y, w, h) in bounds.items():
        shape = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", id=f"{node_id}_di", bpmnElement=node_id)
        if nodes[node_id] == "subProcess":
            shape.set("isExpanded", "false")
        etree.SubElement(shape, f"{{{DC}}}Bounds", x=str(x), y=str(y), width=str(w), height=str(h))
    top = min((y for x, y, w, h in bounds.values()), default=MARGIN) - 25
    for flow_id, source, target in flows:
        edge = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{flow_id}_di", bpmnElement=flow_id)
        for x, y in _route(bounds[source], bounds[target], top):
            etree.SubElement(edge, f"{{{DI}}}waypoint", x=str(x), y=str(y))
    return tostring(root)


def _place(nodes: dict[str, str], flows, boundary: dict[str, str]) -> dict[str, tuple[int, int, int, int]]:
    outgoing: dict[str, list[str]] = defaultdict(list)
    incoming: dict[str, int] = defaultdict(int)
    for _, source, target in flows:
        outgoing[source].append(target)
        incoming[target] += 1
    starts = [n for n, kind in nodes.items() if kind == "startEvent"] or \
             [n for n in nodes if not incoming[n] and n not in boundary]
    column: dict[str, int] = {}
    row: dict[str, int] = {}
    taken: dict[int, set[int]] = defaultdict(set)

    def put(node: str, col: int, wanted_row: int) -> None:
        r = wanted_row
        while r in taken[col]:
            r += 1
        column[node], row[node] = col, r
        taken[col].add(r)

    # breadth first from the starts; a node already placed is not moved (back edges stay back edges)
    queue = []
    for index, start in enumerate(starts):
        put(start, 0, index)
        queue.append(start)
    while queue:
        node = queue.pop(0)
        children = list(outgoing[node]) + [b for b, host in boundary.items() if host == node]
        for offset, child in enumerate(children):
            if child in column:
                continue
            if child in boundary:
                column[child], row[child] = column[node], row[node]  # drawn on its host's edge
                queue.append(child)
                continue
            below = 1 if node in boundary else 0
            put(child, column[node] + 1, row[node] + offset + below)
            queue.append(child)
    for node in nodes:  # unreachable ones: a row of their own under the rest
        if node not in column:
            put(node, 0, max((r for rows in taken.values() for r in rows), default=0) + 1)
    bounds = {}
    for node, kind in nodes.items():
        if node in boundary:
            continue
        w, h = _size(kind)
        cx, cy = MARGIN + column[node] * COLUMN + SIZES["task"][0] // 2, MARGIN + row[node] * ROW + ROW // 2
        bounds[node] = (cx - w // 2, cy - h // 2, w, h)
    for number, (node, host) in enumerate(sorted(boundary.items())):
        hx, hy, hw, hh = bounds[host]
        w, h = SIZES["event"]
        bounds[node] = (hx + hw - w - 4 - 40 * (number % 2), hy + hh - h // 2, w, h)
    return bounds


def _route(source, target, top: int) -> list[tuple[int, int]]:
    sx, sy, sw, sh = source
    tx, ty, tw, th = target
    s_mid, t_mid = sy + sh // 2, ty + th // 2
    if tx > sx + sw:  # forward: out of the right side, into the left side, with one bend when rows differ
        start, end = (sx + sw, s_mid), (tx, t_mid)
        if s_mid == t_mid:
            return [start, end]
        if sh == SIZES["event"][1] and sy + sh > ty + th:  # a boundary event: leave downwards
            start = (sx + sw // 2, sy + sh)
            return [start, (start[0], t_mid), end]
        bend = (sx + sw + tx) // 2
        return [start, (bend, s_mid), (bend, t_mid), end]
    # backward (a loop): over the top of everything, down the gaps between columns, so it crosses no shape
    out, back = sx + sw + (COLUMN - SIZES["task"][0]) // 3, tx - (COLUMN - SIZES["task"][0]) // 3
    return [(sx + sw, s_mid), (out, s_mid), (out, top), (back, top), (back, t_mid), (tx, t_mid)]
