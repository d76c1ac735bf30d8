"""Which topic a service or send task waits under (docs/external-tasks.md, Topics), and the deploy errors of
external tasks and receive tasks, read by the real parser."""
import pytest

from engine.domain import ProcedureInvalidError
from engine.workflow import parse_procedure

HEAD = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://dueflow.example/t">'
        '<bpmn:message id="m1" name="notice_posted"/><bpmn:process id="p" isExecutable="true">'
        '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>')
TAIL = ('<bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="job"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="job" targetRef="end"/></bpmn:process></bpmn:definitions>')


def _job(tag: str, attributes: str = "", body: str = "") -> dict[str, bytes]:
    element = (f'<bpmn:{tag} id="job" {attributes}>{body}<bpmn:incoming>f1</bpmn:incoming>'
               f'<bpmn:outgoing>f2</bpmn:outgoing></bpmn:{tag}>')
    return {"p.bpmn": (HEAD + element + TAIL).encode()}


@pytest.mark.parametrize("tag, attributes, body, topic", [
    ("serviceTask", 'camunda:type="external" camunda:topic="registry-check"', "", "registry-check"),
    ("serviceTask", 'camunda:class="org.example.Mail"', "", "org.example.Mail"),
    ("serviceTask", 'camunda:delegateExpression="${mailDelegate}"', "", "mailDelegate"),
    ("serviceTask", 'camunda:expression="#{mailer.send(notice)}"', "", "mailer.send(notice)"),
    ("serviceTask", "", '<bpmn:extensionElements><camunda:connector><camunda:connectorId>http-connector'
                        '</camunda:connectorId></camunda:connector></bpmn:extensionElements>', "http-connector"),
    ("sendTask", 'messageRef="m1"', "", "notice_posted"),
    ("sendTask", 'camunda:type="external" camunda:topic="post"', "", "post"),
    ("serviceTask", "", "", "job"),
])
def test_the_topic_of_a_service_or_send_task(tag, attributes, body, topic):
    assert parse_procedure(_job(tag, attributes, body)).elements["job"].topic == topic


@pytest.mark.parametrize("tag, attributes, rule", [
    ("serviceTask", 'camunda:type="external"', "EXTERNAL_TASK"),
    ("serviceTask", 'camunda:topic="' + "t" * 201 + '" camunda:type="external"', "EXTERNAL_TASK"),
    ("receiveTask", "", "MISSING_ELEMENT"),
    ("receiveTask", 'messageRef="nowhere"', "MISSING_ELEMENT"),
])
def test_external_and_receive_tasks_that_cannot_wait_are_deploy_errors(tag, attributes, rule):
    with pytest.raises(ProcedureInvalidError) as refused:
        parse_procedure(_job(tag, attributes))
    assert [(p.rule, p.element_id) for p in refused.value.problems] == [(rule, "job")]


def test_a_receive_task_waits_for_its_message():
    procedure = parse_procedure(_job("receiveTask", 'messageRef="m1"'))
    assert (procedure.elements["job"].event, procedure.elements["job"].message) == ("message", "notice_posted")
