"""axe-core (npm, node_modules/axe-core) in the browser tests: the serious and critical violations of a page,
each named by page, rule and element. Injected through the browser's own script hook, so the page's CSP
(no inline scripts) applies to the page and not to the checker."""
from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parent.parent.parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
_RUN = """async () => {
  const result = await window.axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ") + (n.failureSummary ? " (" + n.failureSummary.split("\\n").slice(1, 2).join("").trim() + ")" : ""))}));
}"""
_SETTLED = """() => [...document.querySelectorAll(".diagram[data-bpmn-url], #canvas")]
  .every(e => e.dataset.ready === "true" || e.querySelector(".diagram-note"))"""


def watch(context) -> None:
    """Make axe-core available on every page the context opens from now on."""
    if not AXE.is_file():
        raise RuntimeError(f"{AXE} is missing: `make install` runs npm install (axe-core is a devDependency)")
    context.add_init_script(path=str(AXE))


def violations(page, *, name: str | None = None) -> list[str]:
    """Serious and critical violations on the page as it is now, once its diagrams have been drawn."""
    page.wait_for_function(_SETTLED)
    where = name or page.url
    found = page.evaluate(_RUN)
    return [f"{where}: {v['rule']} ({v['impact']}: {v['help']}) at {'; '.join(v['nodes'][:5])}"
            for v in found if v["impact"] in BLOCKING]
