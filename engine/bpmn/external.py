"""What the deploy check reads of service, send and receive tasks: the topic a worker fetches a service or
send task by, and the problems that keep one from waiting (docs/external-tasks.md)."""
from __future__ import annotations

from typing import Any

from engine.bpmn.xml import CAMUNDA_NS, NS, local

EXTERNAL_KINDS = frozenset({"serviceTask", "sendTask", "receiveTask"})
MAX_TOPIC = 200


def external_topic(node: Any, messages: dict[str, str]) -> str:
    """The topic a worker fetches a service or send task by (docs/external-tasks.md): `camunda:topic` of an
    external task; else the Java class, the delegate expression or expression without `${}`, or the connector
    id, so a model written for Java delegates runs with a worker per delegate; else a send task's message
    name; else the element id."""
    camunda = f"{{{CAMUNDA_NS}}}"
    for attribute in ("topic", "class", "delegateExpression", "expression"):
        value = (node.get(camunda + attribute) or "").strip()
        if value:
            return value[2:-1].strip() if value[:2] in ("${", "#{") and value.endswith("}") else value
    connector = node.xpath("./bpmn:extensionElements/camunda:connector/camunda:connectorId", namespaces=NS)
    if connector and (connector[0].text or "").strip():
        return connector[0].text.strip()
    ref = node.get("messageRef")
    if ref:
        return messages.get(ref) or ref
    return node.get("id") or ""


def inspect_external(model: Any, file: str, node: Any, info: Any, messages: dict[str, str]) -> None:
    """Service and send tasks wait as external tasks (their topic checked here); a receive task waits for the
    message it names, like a message catch event."""
    if local(node.tag) == "receiveTask":
        ref = node.get("messageRef")
        if not ref or ref not in messages:
            model.problem(f"a receive task needs a messageRef naming a declared message (got '{ref or ''}')",
                          file, node, rule="MISSING_ELEMENT")
        info.event, info.message = "message", messages.get(ref or "")
        return
    if node.get(f"{{{CAMUNDA_NS}}}type") == "external" and not (node.get(f"{{{CAMUNDA_NS}}}topic") or "").strip():
        model.problem("an external service task needs a camunda:topic (the topic its workers fetch)", file, node,
                      rule="EXTERNAL_TASK")
        return
    topic = external_topic(node, messages)
    if len(topic) > MAX_TOPIC or any(ord(c) < 32 for c in topic):
        model.problem(f"the external-task topic '{topic[:60]}' must be at most {MAX_TOPIC} characters on one "
                      "line", file, node, rule="EXTERNAL_TASK")
        return
    info.topic = topic
