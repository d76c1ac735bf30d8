"""The templates a procedure version issues from. At deploy each template the procedure names, and every layout it
extends or includes, is resolved (the procedure's own file of that name over Dueflow's library file), checked
(Jinja syntax with its line, then a trial render in the sandbox in both languages) and stored with the version,
so a changed template is a new version and an old version keeps issuing what it issued. Rendering reads the
version's files in an ImmutableSandboxedEnvironment: an author's template cannot reach Python internals."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

import jinja2
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.domain import Problem

LIBRARY = Path(__file__).resolve().parent / "templates"
SUFFIX = ".html"  # a procedure's document templates are its .html files (engine.bpmn skips them)
RULE = "document_template"


def file_of(kind: str) -> str:
    return f"{kind}{SUFFIX}"


def template_files(files: Mapping[str, bytes | str]) -> dict[str, str]:
    """The document templates among a version's files, as text."""
    return {name: data.decode("utf-8") if isinstance(data, bytes) else data
            for name, data in files.items() if name.endswith(SUFFIX)}


def _library_text(name: str) -> str | None:
    path = LIBRARY / name
    if "/" in name or "\\" in name or not path.is_file():
        return None
    return path.read_text(encoding="utf-8")


def _new_environment(loader: jinja2.BaseLoader) -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                                         trim_blocks=True, lstrip_blocks=True)


_CHECKER = _new_environment(jinja2.DictLoader({}))


@lru_cache(maxsize=32)
def _environment(stored: tuple[tuple[str, str], ...]) -> ImmutableSandboxedEnvironment:
    # a version's own files first; the library serves what the version does not hold (versions deployed before
    # templates were stored, and documents issued by hand that the procedure does not name)
    return _new_environment(jinja2.ChoiceLoader([jinja2.DictLoader(dict(stored)),
                                                 jinja2.FileSystemLoader(str(LIBRARY))]))


def environment(templates: Mapping[str, str] | None) -> ImmutableSandboxedEnvironment:
    """The sandboxed environment that renders from these stored templates (compiled once per set)."""
    return _environment(tuple(sorted((templates or {}).items())))


def resolve(kinds: Iterable[str], given: Mapping[str, str]) -> tuple[dict[str, str], list[Problem]]:
    """Every template file the named document kinds need (with the layouts they extend or include) and every
    template the procedure brought: {file name: text}, the procedure's file over the library's; problems name
    the file and line of a syntax error or the file that refers to a template nobody has."""
    resolved: dict[str, str] = {}
    problems: list[Problem] = []
    wanted: list[tuple[str, str | None]] = [(name, None) for name in sorted(given)]
    wanted += [(file_of(kind), None) for kind in kinds]
    while wanted:
        name, referrer = wanted.pop(0)
        if name in resolved:
            continue
        text = given.get(name)
        if text is None:
            text = _library_text(name)
        if text is None:
            problems.append(Problem(f"the template {name!r} is neither among the procedure's files nor in "
                                    "Dueflow's library", file=referrer or name, rule=RULE))
            continue
        resolved[name] = text
        try:
            tree = _CHECKER.parse(text, name=name, filename=name)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(Problem(f"Jinja syntax error: {exc.message}", file=name, line=exc.lineno, rule=RULE))
            continue
        for ref in meta.find_referenced_templates(tree):
            if ref is None:
                problems.append(Problem("a template may extend or include only templates named literally",
                                        file=name, rule=RULE))
            else:
                wanted.append((ref, name))
    return resolved, problems
