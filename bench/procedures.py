"""BPMN generated for benchmarks: a straight line of N user tasks in one lane, each with a small form."""
from __future__ import annotations


def sequential_bpmn(tasks: int = 7, key: str = "bench_line") -> bytes:
    nodes, flows = [], []
    ids = ["start"] + [f"step_{i}" for i in range(1, tasks + 1)] + ["done"]
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
    nodes.append('<bpmn:startEvent id="start"/>')
    for i in range(1, tasks + 1):
        nodes.append(
            f'<bpmn:userTask id="step_{i}" name="Step {i}" camunda:formKey="step_{i}"><bpmn:extensionElements>'
            f'<camunda:formData><camunda:formField id="note_{i}" label="Note" type="string"/>'
            f'<camunda:formField id="count_{i}" label="Count" type="long" defaultValue="{i}"/></camunda:formData>'
            f"</bpmn:extensionElements></bpmn:userTask>")
    nodes.append('<bpmn:endEvent id="done"/>')
    for n, (a, b) in enumerate(zip(ids, ids[1:])):
        flows.append(f'<bpmn:sequenceFlow id="flow_{n}" sourceRef="{a}" targetRef="{b}"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="bench_defs" targetNamespace="http://dueflow/bench">'
        f'<bpmn:process id="{key}" name="Benchmark line of {tasks} tasks" isExecutable="true">'
        f'<bpmn:laneSet id="lanes"><bpmn:lane id="lane_officer" name="officer">{refs}</bpmn:lane></bpmn:laneSet>'
        + "".join(nodes) + "".join(flows) + "</bpmn:process></bpmn:definitions>"
    ).encode()
