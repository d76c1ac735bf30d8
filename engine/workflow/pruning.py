"""Keep a case's task tree bounded: SpiffWorkflow keeps every task a case ever ran, so a loop (a rework or a
repeated reinspection) grows the tree by a few tasks per round, each step gets slower, and at depth 1000 its
task iterator stops and the case silently has nothing ready. The history lives in Dueflow's own task rows
and audit events, so after each step the finished parts no step can need again are dropped:

- finished branches hanging below a finished task, with nothing unfinished in them (old iterations, the
  cancelled boundary events of completed tasks, the join instances a join has used);
- finished tasks in a straight line above the unfinished ones (one child each), spliced out.

Kept, because SpiffWorkflow reads them: the root and its children (start, triggered event subprocesses),
every unfinished task and every child of one (multi-instance instances), the parent of every unfinished task
(its data is inherited, and a parallel join checks which of its inputs have arrived by its parent), every
split whose join has not run yet (boundary events), the branches that already reached a parallel or inclusive
join still waiting for others, and the tasks that own a running subprocess."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.util.task import TaskState

Workflow = Any  # SpiffWorkflow's BpmnWorkflow or BpmnSubWorkflow
Task = Any


def prune(workflow: Workflow) -> int:
    """Drop what no later step needs from the workflow and its subprocesses; return how many tasks went."""
    removed = _prune_tree(workflow, workflow)
    for key in list(workflow.subprocesses):
        sub = workflow.subprocesses.get(key)  # pruning one may have deleted another (nested) already
        if sub is not None:
            removed += _prune_tree(workflow, sub)
    return removed


def _finished(task: Task) -> bool:
    return task.has_state(TaskState.FINISHED_MASK)


def _prune_tree(top: Workflow, workflow: Workflow) -> int:
    tasks = workflow.tasks
    live = [t for t in tasks.values() if not _finished(t)]
    if not live or workflow.task_tree is None:
        return 0
    root = workflow.task_tree
    on_live_path: set = set()
    for task in live:
        current = task
        while current is not None and current.id not in on_live_path:
            on_live_path.add(current.id)
            current = current.parent
    keep = {root.id, *root._children}
    keep.update(t._parent for t in live if t._parent is not None)
    for task in live:  # the split a pending join looks for: its nearest ancestor of that spec
        split = getattr(task.task_spec, "split_task", None)
        ancestor = task.find_ancestor(split) if split else None
        if ancestor is not None:
            keep.add(ancestor.id)
    running = {sp.parent_task_id for sp in top.subprocesses.values() if not sp.completed}
    # A parallel (or inclusive) join that waits counts the branches that arrived by its finished instances
    # and their parents: while one of its instances is unfinished, the branches holding the others stay.
    waiting_joins = {t.task_spec.name for t in live if isinstance(t.task_spec, UnstructuredJoin)}

    removed = 0
    for task_id in list(on_live_path):
        task = tasks.get(task_id)
        if task is None or not _finished(task):
            continue  # only below finished tasks: an unfinished one may count its children (multi-instance)
        for child_id in list(task._children):
            child = tasks.get(child_id)
            if child is not None and child_id not in on_live_path and not _holds(child, running, waiting_joins, tasks):
                removed += _remove_subtree(top, workflow, child)
    for task_id in list(on_live_path):
        task = tasks.get(task_id)
        if task is None or task_id in keep or not _finished(task) or len(task._children) != 1 \
                or task_id in running or task._parent is None:
            continue
        parent, child = tasks[task._parent], tasks[task._children[0]]
        parent._children[parent._children.index(task_id)] = child.id
        child._parent = parent.id
        _forget(top, workflow, task)
        removed += 1
    return removed


def _holds(task: Task, running: set, waiting_joins: set, tasks: dict) -> bool:
    """Whether a finished branch still owns a running subprocess or an arrival at a waiting join (it stays)."""
    stack = [task]
    while stack:
        current = stack.pop()
        if current.id in running or current.task_spec.name in waiting_joins:
            return True
        stack.extend(tasks[c] for c in current._children if c in tasks)
    return False


def _remove_subtree(top: Workflow, workflow: Workflow, task: Task) -> int:
    removed, stack = 0, [task]
    parent = workflow.tasks.get(task._parent)
    if parent is not None:
        parent._children.remove(task.id)
    while stack:
        current = stack.pop()
        stack.extend(workflow.tasks[c] for c in current._children if c in workflow.tasks)
        _forget(top, workflow, current)
        removed += 1
    return removed


def _forget(top: Workflow, workflow: Workflow, task: Task) -> None:
    if task.id in top.subprocesses:
        top.delete_subprocess(task)  # a finished call activity's or subprocess's own tasks go with it
    workflow.tasks.pop(task.id, None)
