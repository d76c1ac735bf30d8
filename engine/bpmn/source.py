"""One read of a procedure's files: each parsed once with the safe parser, sorted into BPMN and DMN, the lane
mapping given with the deploy, and the process graphs (read before any expression is translated)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

from lxml import etree

from engine.bpmn.graph import read_processes
from engine.bpmn.lanes import LANES_FILE, read_mapping
from engine.bpmn.model import SourceModel
from engine.bpmn.xml import BPMN_NS, DMN_NAMESPACES, namespace, parse_xml
from engine.domain import Problem

DOCUMENT_TEMPLATE_SUFFIX = ".html"


def read_xml(files: Mapping[str, bytes | str]) -> SourceModel:
    """Parse every file; sort them into BPMN and DMN; report malformed XML with its line."""
    model = SourceModel()
    if not files:
        model.problems.append(Problem(message="no files were given", rule="invalid"))
    for name, data in files.items():
        if name == LANES_FILE:  # the lane-to-role mapping given with the deploy
            mapping, problems = read_mapping(data.encode("utf-8") if isinstance(data, str) else data)
            model.lane_roles.update(mapping)
            model.problems.extend(problems)
            continue
        if name.endswith(DOCUMENT_TEMPLATE_SUFFIX):  # a document template stored with the version (engine.documents)
            continue
        root, problem = parse_xml(name, data)
        if problem is not None:
            model.problems.append(problem)
            continue
        if namespace(root) == BPMN_NS:
            model.bpmn.append((name, root))
            model.graphs.extend(read_processes(name, root))
        elif namespace(root) in DMN_NAMESPACES:
            model.dmn.append((name, root))
        else:
            model.problems.append(Problem(message=f"not a BPMN 2.0 or DMN file (root element {root.tag})",
                                          file=name, line=root.sourceline, rule="invalid"))
    if files and not model.bpmn and not model.problems:
        model.problems.append(Problem(message="no BPMN file among the files", rule="invalid"))
    return model


@lru_cache(maxsize=8)
def _schema(path: str) -> etree.XMLSchema | None:
    """The schema at `path`; None when it cannot be built (SpiffWorkflow's DMN 1.2 schema imports a file it does
    not ship): such files are still parsed and checked by everything else, only not validated against XSD."""
    try:
        return etree.XMLSchema(etree.parse(path))
    except etree.XMLSchemaParseError:
        return None


def preload_schemas(paths: list[str]) -> None:
    """Read these schemas now: the sandbox reads them before it locks itself down and can open no file."""
    for path in paths:
        _schema(path)


def schema_problems(model: SourceModel, bpmn_xsd: str, dmn_xsds: Mapping[str, str]) -> list[Problem]:
    """Every file validated against its XSD (the engine's own schemas, passed in), with lines."""
    problems = []
    pairs: list[tuple[str, Any, str | None]] = [(f, r, bpmn_xsd) for f, r in model.bpmn]
    pairs += [(f, r, dmn_xsds.get(namespace(r) or "")) for f, r in model.dmn]
    for file, root, xsd in pairs:
        if xsd is None:
            continue
        schema = _schema(xsd)
        if schema is not None and not schema.validate(root):
            for error in list(schema.error_log):
                problems.append(Problem(message=f"not valid BPMN/DMN: {error.message}", file=file,
                                        line=error.line, rule="XSD"))
    return problems
