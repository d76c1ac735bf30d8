"""The only reader of BPMN/DMN XML: safe parser, namespaces, element kinds, Camunda/Flowable translation.

One read per deploy (`read_xml`, then `inspect`) yields the trees SpiffWorkflow parses, the graphs the lint
walks, and the forms, lanes, roles, stages and messages the services use; `with_diagram` lays out a diagram
for a file without one."""
from engine.bpmn.dmn import discretion_tables, inspect_dmn
from engine.bpmn.graph import ProcessGraph, read_processes
from engine.bpmn.inspect import ELEMENT_CHECKS, check_called_processes, inspect
from engine.bpmn.lanes import LANES_FILE, mapping_file
from engine.bpmn.layout import with_diagram
from engine.bpmn.model import ElementInfo, SourceModel
from engine.bpmn.time_limits import TimeLimit, parse_time_limit
from engine.bpmn.translations import element_names, with_names_in
from engine.bpmn.source import preload_schemas, read_xml, schema_problems
from engine.bpmn.xml import DOCTYPE_REFUSED, MAX_FILE_NAME, doctype_problem, file_name_problems, parse_xml

__all__ = ["DOCTYPE_REFUSED", "ELEMENT_CHECKS", "MAX_FILE_NAME", "file_name_problems", "LANES_FILE", "ElementInfo", "ProcessGraph", "SourceModel",
           "check_called_processes", "discretion_tables", "doctype_problem", "inspect", "inspect_dmn",
           "mapping_file", "parse_xml", "read_processes", "read_xml", "schema_problems", "with_diagram", "preload_schemas",
           "with_names_in", "element_names", "TimeLimit", "parse_time_limit"]
