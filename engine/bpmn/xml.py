"""The safe XML reader every BPMN/DMN file goes through: no DTD, no entities, no network; namespaces and the
small helpers the rest of engine.bpmn reads elements with."""
from __future__ import annotations

from typing import Any, Iterable

from lxml import etree

from engine.domain import Problem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
FLOWABLE_NS = "http://flowable.org/bpmn"
ACTIVITI_NS = "http://activiti.org/bpmn"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
DMN_NAMESPACES = ("https://www.omg.org/spec/DMN/20191111/MODEL/", "http://www.omg.org/spec/DMN/20180521/MODEL/",
                  "http://www.omg.org/spec/DMN/20151101/dmn.xsd")
NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS, "flowable": FLOWABLE_NS, "activiti": ACTIVITI_NS}

DOCTYPE_REFUSED = ("a DOCTYPE (DTD or entity declarations) is not allowed in BPMN or DMN: entities can read "
                   "files of the server or expand without bound; write the text itself")


MAX_FILE_NAME = 200


def file_name_problems(names: Iterable[str]) -> list[Problem]:
    """A file name is stored with the version and sent back in download headers: one plain name per file, no
    folders (`/`, `\\`), no control characters (a CR/LF would break every later download of the BPMN)."""
    problems = []
    for name in names:
        shown = name[:MAX_FILE_NAME].encode("unicode_escape").decode("ascii")
        if not name.strip(" .") or len(name) > MAX_FILE_NAME:
            problems.append(Problem(message=f"a file name must be 1 to {MAX_FILE_NAME} characters", file=shown,
                                    rule="FILE_NAME"))
        elif any(ch in "/\\" or not ch.isprintable() for ch in name):
            problems.append(Problem(message="a file name may not hold folders (/ or \\) or control characters "
                                            "such as line breaks", file=shown, rule="FILE_NAME"))
    return problems


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=False, huge_tree=False,
                           load_dtd=False)


def doctype_problem(name: str, data: bytes) -> Problem | None:
    """BPMN and DMN never need a DTD: a file declaring one is refused before it is parsed (internal and external
    entities, billion laughs), so the XSD validator never meets an entity reference."""
    found = min((at for at in (data.find(b"<!DOCTYPE"), data.find(b"<!ENTITY")) if at >= 0), default=-1)
    if found < 0:
        return None
    return Problem(message=DOCTYPE_REFUSED, file=name, line=data.count(b"\n", 0, found) + 1, rule="XML_DOCTYPE")


def parse_xml(name: str, data: bytes | str) -> tuple[Any, Problem | None]:
    """(root, None) for a well-formed file without a DOCTYPE, else (None, the problem with its line)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    refused = doctype_problem(name, raw)
    if refused is not None:
        return None, refused
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        return None, Problem(message=f"malformed XML: {exc.msg}", file=name, line=getattr(exc, "lineno", None),
                             rule="XML_SYNTAX")
    docinfo: Any = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        return None, Problem(message=DOCTYPE_REFUSED, file=name, line=1, rule="XML_DOCTYPE")
    return root, None


def local(tag: Any) -> str:
    """The local name of an element's tag ('' for comments and processing instructions)."""
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def namespace(node: Any) -> str | None:
    return etree.QName(node).namespace if isinstance(node.tag, str) else None


def owner_id(node: Any) -> str | None:
    """The id of the nearest element around a node that has one (the element a problem belongs to)."""
    return next((a.get("id") for a in node.iterancestors() if a.get("id")), None)


def properties_of(node: Any) -> dict[str, str]:
    """An element's extension properties: camunda:property (Camunda Modeler) or flowable:property."""
    return {p.get("name"): p.get("value") or "" for p in
            node.xpath("./bpmn:extensionElements/camunda:properties/camunda:property"
                       " | ./bpmn:extensionElements/flowable:properties/flowable:property", namespaces=NS)}


def camunda(node: Any, attribute: str) -> str | None:
    """An engine attribute as Camunda (or Flowable/Activiti, which use the same names) writes it."""
    for space in (CAMUNDA_NS, FLOWABLE_NS, ACTIVITI_NS):
        value = node.get(f"{{{space}}}{attribute}")
        if value is not None:
            return value
    return None


def tostring(root: Any) -> str:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")
