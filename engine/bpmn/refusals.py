"""What Dueflow will not run is said, not hidden: listeners, Java classes without a worker, scripts in other
languages, data stores and extra executable pools are each listed in the deploy result with
their element, line and what to do instead."""
from __future__ import annotations

from typing import Any

from engine.bpmn.model import SourceModel
from engine.bpmn.xml import NS, camunda, local, owner_id

_ENGINES = ("camunda", "flowable", "activiti")
_PYTHON = ("python", "py", "text/x-python")


def _each(root: Any, path: str) -> list[Any]:
    return root.xpath(" | ".join(path.format(engine=e) for e in _ENGINES), namespaces=NS)


def check_listeners(model: SourceModel, file: str, root: Any) -> None:
    for listener in _each(root, "//{engine}:executionListener | //{engine}:taskListener"):
        what = "an execution listener" if local(listener.tag) == "executionListener" else "a task listener"
        code = listener.get("class") or listener.get("delegateExpression") or listener.get("expression") or \
            ("a script" if len(listener) else "")
        model.problem(f"{what} ({code or 'no implementation'}) is not run by Dueflow: the process runs without "
                      "it; if the process needs its work, do it in a script task or a step of its own", file, listener,
                      element_id=owner_id(listener), rule="LISTENER", severity="warning")


def check_java(model: SourceModel, file: str, root: Any) -> None:
    """Java delegates on kinds Dueflow runs itself (kinds it does not run are refused as elements)."""
    for node in root.xpath("//bpmn:businessRuleTask | //bpmn:scriptTask | //bpmn:userTask | //bpmn:task"
                           " | //bpmn:intermediateThrowEvent/bpmn:messageEventDefinition"
                           " | //bpmn:endEvent/bpmn:messageEventDefinition", namespaces=NS):
        code = camunda(node, "class") or camunda(node, "delegateExpression") or camunda(node, "expression")
        if code:
            model.problem(f"Java code '{code}' has no worker here and would not run: remove it, or make the step "
                          "an external service task (camunda:type=\"external\", camunda:topic) a worker completes",
                          file, node, element_id=node.get("id") if local(node.tag).endswith("Task") else owner_id(node),
                          rule="JAVA_CLASS")


def check_scripts(model: SourceModel, file: str, root: Any) -> None:
    """Scripts outside script tasks (input/output parameters, listeners are refused above) in other languages."""
    for script in _each(root, "//{engine}:script"):
        language = (script.get("scriptFormat") or "").lower()
        if language and language not in _PYTHON:
            model.problem(f"a {language} script is not run by Dueflow: write the step as a Python script task in "
                          "the safe expression language", file, script, element_id=owner_id(script), rule="SCRIPT")


def check_data_stores(model: SourceModel, file: str, root: Any) -> None:
    for store in root.xpath("//bpmn:dataStore | //bpmn:dataStoreReference", namespaces=NS):
        model.problem("a data store has no implementation here (SpiffWorkflow refuses it): remove it and keep the "
                      "data in process variables (form fields, script results)", file, store, rule="DATA_STORE")


def check_pools(model: SourceModel) -> None:
    """A case runs one executable process; the other executable pools of its collaboration never start."""
    called = {n.get("calledElement") for _, root in model.bpmn
              for n in root.xpath(".//bpmn:callActivity", namespaces=NS)}
    for file, root in model.bpmn:
        pools = set(root.xpath("./bpmn:collaboration/bpmn:participant/@processRef", namespaces=NS))
        if model.key not in pools:
            continue  # separate processes in separate files are separate procedures (dueflow lint takes many)
        for process in root.xpath("./bpmn:process[@isExecutable='true']", namespaces=NS):
            if process.get("id") in pools and process.get("id") not in called and process.get("id") != model.key:
                model.problem(f"pool '{process.get('name') or process.get('id')}' is executable too, but a case runs "
                              f"only '{model.key}': its steps never run and messages sent to it are not delivered; "
                              "mark it isExecutable=\"false\" or deploy it as a procedure of its own", file, process,
                              rule="EXTRA_POOL", severity="warning")


FILE_CHECKS = (check_listeners, check_java, check_scripts, check_data_stores)
