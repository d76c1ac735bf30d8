"""Due-process lint: a bad procedure per rule, a clean one, plain workflows, policy files, periods and the CLI."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.domain import Problem
from engine.policy import PolicyError, lint_procedure, load_policy, main, procedure_stages
from engine.policy.periods import Period, covers, parse_timer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "lint"
OUTPUT_LINE = re.compile(r"^[^:\s]+:\d+: [\w-]+: [A-Z_]+: .+$")


def lint(*names: str, policy=None) -> list[Problem]:
    return lint_procedure({name: (FIXTURES / name).read_bytes() for name in names}, policy)


def line_of(name: str, element_id: str) -> int:
    lines = (FIXTURES / name).read_text().splitlines()
    return next(n for n, text in enumerate(lines, 1) if f'id="{element_id}"' in text)


def an_agency_policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agency.toml"
    path.write_text('extends = "prc_ordinary"\n' + text)
    return path


AMOUNTS = ('<camunda:property name="notified_amount_field" value="proposed_fine"/>'
           '<camunda:property name="decided_amount_field" value="fine_amount"/>')


def a_procedure(*chains: str, stages: dict[str, str] = {}, timers: dict[str, str] = {},
                outcomes: dict[str, str] = {}, extra: dict[str, dict[str, str]] = {},
                investigated: bool = True) -> bytes:
    """BPMN for chains like "start > notice > decide > end": start*/end*/gw*/par* by name, timers by `timers`.
    With `investigated`, each start leads to an investigation step first (where evidence is attached)."""
    if investigated:
        chains = tuple(chain.replace("start >", "start > investigate >", 1) if chain.strip().startswith("start")
                       else chain for chain in chains)
        stages = {"investigate": "investigation", **stages}
    kinds = {"start": "startEvent", "end": "endEvent", "gw": "exclusiveGateway", "par": "parallelGateway"}
    flows = [(a.strip(), b.strip()) for chain in chains for a, b in zip(chain.split(">"), chain.split(">")[1:])]
    ids = list(dict.fromkeys(node for flow in flows for node in flow))
    elements = []
    for node in ids:
        kind = "intermediateCatchEvent" if node in timers else next(
            (k for prefix, k in kinds.items() if node.startswith(prefix)), "userTask")
        props = {**({"stage": stages[node]} if node in stages else {}),
                 **({"outcome": outcomes[node]} if node in outcomes else {}), **extra.get(node, {})}
        body = "".join(f'<camunda:property name="{k}" value="{v}"/>' for k, v in props.items())
        body = f"<bpmn:extensionElements><camunda:properties>{body}</camunda:properties></bpmn:extensionElements>" \
            if body else ""
        body += "".join(f"<bpmn:incoming>{a}_{b}</bpmn:incoming>" for a, b in flows if b == node)
        body += "".join(f"<bpmn:outgoing>{a}_{b}</bpmn:outgoing>" for a, b in flows if a == node)
        if node in timers:
            tag = "timeDate" if "days_after(" in timers[node] else "timeDuration"
            body += f"<bpmn:timerEventDefinition><bpmn:{tag}>{timers[node]}</bpmn:{tag}></bpmn:timerEventDefinition>"
        elements.append(f'<bpmn:{kind} id="{node}">{body}</bpmn:{kind}>')
    elements += [f'<bpmn:sequenceFlow id="{a}_{b}" sourceRef="{a}" targetRef="{b}"/>' for a, b in flows]
    refs = "".join(f"<bpmn:flowNodeRef>{node}</bpmn:flowNodeRef>" for node in ids)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="http://dueflow.example/t">
<bpmn:process id="built" isExecutable="true">
<bpmn:extensionElements><camunda:properties>{AMOUNTS}</camunda:properties></bpmn:extensionElements>
<bpmn:laneSet id="lanes"><bpmn:lane id="officer" name="officer">{refs}</bpmn:lane></bpmn:laneSet>
{chr(10).join(elements)}
</bpmn:process></bpmn:definitions>""".encode()


def rules_of(problems: list[Problem]) -> list[tuple[str, str | None]]:
    return [(p.rule, p.element_id) for p in problems]


# ---- one bad procedure per rule --------------------------------------------------------------------

CAUGHT = [
    ("PENALTY_WITHOUT_RIGHTS_NOTICE", "decide_penalty"),
    ("PENALTY_WITHOUT_ORDER_TO_CORRECT", "decide_penalty"),
    ("PENALTY_WITHOUT_EVIDENCE", "decide_penalty"),
    ("PENALTY_AMOUNTS_UNDECLARED", "decide_penalty"),
    ("NO_PENALTY_WITHOUT_EDUCATION", "end_corrected"),
    ("JUDICIAL_REFERRAL_TOO_EARLY", "apply_to_court"),
    ("USER_TASK_WITHOUT_LANE", "record_findings"),
    ("USER_TASK_WITHOUT_STAGE", "record_findings"),
    ("UNKNOWN_STAGE", "record_findings"),
    ("UNREACHABLE_ELEMENT", "forgotten_task"),
    ("TIMER_TOO_SHORT", "payment_window"),
    ("TIMER_UNCHECKABLE", "payment_window"),
]


@pytest.mark.parametrize("rule, element_id", CAUGHT)
def test_each_rule_is_caught_at_its_element_and_line(rule, element_id):
    name = f"{rule}.bpmn"
    problems = lint(name)
    assert rules_of(problems) == [(rule, element_id)]
    assert problems[0].file == name and problems[0].line == line_of(name, element_id)
    assert problems[0].severity == ("warning" if rule == "TIMER_UNCHECKABLE" else "error")


def test_a_category_the_policy_reserves_needs_an_enforcement_procedure(tmp_path):
    policy = load_policy(an_agency_policy(tmp_path, '[categories]\nrequire_enforcement = ["noise"]\n'))
    problems = lint("CATEGORY_REQUIRES_ENFORCEMENT.bpmn", policy=policy)
    assert rules_of(problems) == [("CATEGORY_REQUIRES_ENFORCEMENT", "category_requires_enforcement")]
    assert problems[0].line == line_of("CATEGORY_REQUIRES_ENFORCEMENT.bpmn", "category_requires_enforcement")
    assert "noise" in problems[0].message and lint("CATEGORY_REQUIRES_ENFORCEMENT.bpmn") == []


def test_a_penalty_procedure_must_declare_its_notified_and_decided_amount_fields():
    chains = ("start > notice > period > decide > order > end",)
    declared = a_procedure(*chains, stages=NOTICE, timers=PERIOD)
    assert lint_procedure({"p.bpmn": declared}) == []
    undeclared = declared.replace(AMOUNTS.encode(), b"")
    [problem] = lint_procedure({"p.bpmn": undeclared})
    assert (problem.rule, problem.element_id, problem.severity) == ("PENALTY_AMOUNTS_UNDECLARED", "built", "error")
    assert "notified_amount_field" in problem.message and "decided_amount_field" in problem.message
    no_penalty = a_procedure("start > educate > end", stages=NOTICE, outcomes={"end": "education"})
    assert lint_procedure({"p.bpmn": no_penalty.replace(AMOUNTS.encode(), b"")}) == [], "no penalty, no amounts"


def test_malformed_xml_is_one_problem_with_its_line():
    [problem] = lint("XML_SYNTAX.bpmn")
    assert (problem.rule, problem.severity, problem.line) == ("XML_SYNTAX", "error", 11)


def test_a_small_enforcement_procedure_passes_clean():
    assert lint("good_enforcement.bpmn") == []


def test_plain_workflows_get_only_the_generic_rules():
    assert lint("plain_workflow.bpmn") == []
    notice = ROOT / "tests" / "fixtures" / "notice.bpmn"
    dmn = ROOT / "tests" / "fixtures" / "fine_amount.dmn"
    assert lint_procedure({"notice.bpmn": notice.read_bytes(), "fine_amount.dmn": dmn.read_bytes()}) == []


def test_one_stage_tag_makes_a_procedure_an_enforcement_procedure():
    tagged = (FIXTURES / "plain_workflow.bpmn").read_text().replace(
        '<bpmn:userTask id="issue_permit" name="Issue the permit">',
        '<bpmn:userTask id="issue_permit" name="Issue the permit"><bpmn:extensionElements><camunda:properties>'
        '<camunda:property name="stage" value="closure"/></camunda:properties></bpmn:extensionElements>')
    found = rules_of(lint_procedure({"p.bpmn": tagged.encode()}))
    assert ("USER_TASK_WITHOUT_STAGE", "review_application") in found
    assert ("USER_TASK_WITHOUT_LANE", "issue_permit") in found


# ---- what the rules understand ---------------------------------------------------------------------

NOTICE = {"notice": "rights_notice", "period": "statement_period", "decide": "penalty_decision",
          "order": "order_to_correct", "serve": "service", "educate": "education", "demand": "demand",
          "wait": "demand", "court": "judicial_referral"}
PERIOD = {"period": "working_days_after(served_on, 3)"}


def test_deciding_no_penalty_after_the_decision_task_needs_education_not_an_order():
    chains = ("start > notice > period > decide > gw > order > end_paid", "gw > educate > end_education")
    outcomes = {"end_paid": "penalty_paid", "end_education": "education"}
    assert lint_procedure({"p.bpmn": a_procedure(*chains, stages=NOTICE, timers=PERIOD, outcomes=outcomes)}) == []
    skipped = ("start > notice > period > decide > gw > order > end_paid", "gw > end_education")
    found = rules_of(lint_procedure({"p.bpmn": a_procedure(*skipped, stages=NOTICE, timers=PERIOD,
                                                          outcomes=outcomes)}))
    assert found == [("NO_PENALTY_WITHOUT_EDUCATION", "end_education")]


def test_an_end_without_outcome_reached_without_a_penalty_needs_education():
    procedure = a_procedure("start > gw > end_closed", "gw > notice > period > decide > order > end_paid",
                            stages=NOTICE, timers=PERIOD)
    assert rules_of(lint_procedure({"p.bpmn": procedure})) == [("NO_PENALTY_WITHOUT_EDUCATION", "end_closed")]


def test_the_statement_period_counts_only_after_the_notice():
    procedure = a_procedure("start > period > notice > decide > order > end", stages=NOTICE, timers=PERIOD)
    [problem] = lint_procedure({"p.bpmn": procedure})
    assert (problem.rule, problem.element_id) == ("PENALTY_WITHOUT_RIGHTS_NOTICE", "decide")
    assert "statement period of at least 3 working days" in problem.message


def test_a_recorded_waiver_stands_for_the_statement_period():
    procedure = a_procedure("start > notice > period > decide > order > end", stages=NOTICE,
                            extra={"period": {"waiver": "true"}})
    assert lint_procedure({"p.bpmn": procedure}) == []


def test_calendar_days_surely_cover_working_days_only_with_weekends_and_the_holiday_margin():
    short = a_procedure("start > notice > period > decide > order > end", stages=NOTICE, timers={"period": "P7D"})
    found = rules_of(lint_procedure({"p.bpmn": short}))
    assert found == [("TIMER_TOO_SHORT", "period"), ("PENALTY_WITHOUT_RIGHTS_NOTICE", "decide")]
    enough = a_procedure("start > notice > period > decide > order > end", stages=NOTICE, timers={"period": "P13D"})
    assert lint_procedure({"p.bpmn": enough}) == []


def test_a_boundary_event_leaves_its_host_unfinished():
    text = (FIXTURES / "good_enforcement.bpmn").read_text().replace(
        '<bpmn:userTask id="decide_penalty"',
        '<bpmn:boundaryEvent id="notice_overdue" attachedToRef="notify_party"><bpmn:outgoing>late</bpmn:outgoing>'
        '<bpmn:timerEventDefinition><bpmn:timeDuration>P30D</bpmn:timeDuration></bpmn:timerEventDefinition>'
        '</bpmn:boundaryEvent><bpmn:sequenceFlow id="late" sourceRef="notice_overdue" targetRef="decide_penalty"/>'
        '<bpmn:userTask id="decide_penalty"')
    assert rules_of(lint_procedure({"p.bpmn": text.encode()})) == [("PENALTY_WITHOUT_RIGHTS_NOTICE", "decide_penalty")]


def test_parallel_branches_count_for_each_other_where_they_join():
    chains = ("start > notice > period > decide > par_fork > order > par_join > demand > wait > court > end",
              "par_fork > serve > par_join")
    timers = {**PERIOD, "wait": "working_days_after(demand_served_on, 10)"}
    assert lint_procedure({"p.bpmn": a_procedure(*chains, stages=NOTICE, timers=timers)}) == []
    unjoined = ("start > notice > period > decide > gw_fork > order > gw_join > demand > wait > court > end",
                "gw_fork > serve > gw_join")
    found = rules_of(lint_procedure({"p.bpmn": a_procedure(*unjoined, stages=NOTICE, timers=timers)}))
    assert found == [("PENALTY_WITHOUT_ORDER_TO_CORRECT", "decide"), ("JUDICIAL_REFERRAL_TOO_EARLY", "court")]


def test_published_stages_and_timers():
    published = procedure_stages({"g.bpmn": (FIXTURES / "good_enforcement.bpmn").read_bytes()})["good_enforcement"]
    assert published["enforcement"] and published["categories"] == ["noise"]
    assert published["stages"][:3] == ["investigation", "determination", "education"]
    assert [(t["element_id"], t["period"]) for t in published["timers"]] == [
        ("statement_period", "3 working days"), ("payment_window", "15 calendar days"),
        ("demand_wait", "10 working days")]


@pytest.mark.parametrize("kind, text, period", [
    ("timeDuration", "P15D", Period(15, False)), ("timeDuration", '"P2W"', Period(14, False)),
    ("timeDuration", "PT36H", Period(1.5, False)), ("timeDuration", "P1M", Period(28, False)),
    ("timeDuration", "${'P15D'}", Period(15, False)),
    ("timeDate", "working_days_after(served_on, 5)", Period(5, True)),
    ("timeDate", "${calendar_days_after(served_on, 15)}", Period(15, False)),
    ("timeDate", "2026-01-01T00:00:00Z", None), ("timeCycle", "R3/P1D", None),
    ("timeDuration", "${payment_days}", None), ("timeDate", "working_days_after(served_on, days)", None),
])
def test_timer_expressions_are_read_as_periods(kind, text, period):
    assert parse_timer(kind, text) == period


def test_a_calendar_period_covers_working_days_conservatively():
    three_working = Period(3, True)
    assert covers(Period(13, False), three_working, holiday_margin=8)  # 3 + 2 weekend days + 8
    assert not covers(Period(12, False), three_working, holiday_margin=8)
    assert covers(Period(15, True), Period(15, False), holiday_margin=8)


# ---- policy files ----------------------------------------------------------------------------------


def test_the_default_policy_holds_the_legal_minimums():
    policy = load_policy()
    assert policy.name == "prc_ordinary" and load_policy("prc_ordinary") == policy
    assert (policy.minimums["statement_period"], policy.minimums["payment"], policy.minimums["demand"]) == (
        Period(3, True), Period(15, False), Period(10, True))
    assert policy.rule("TIMER_UNCHECKABLE").severity == "warning"


def test_an_agency_policy_extends_and_overrides_the_default(tmp_path):
    policy = load_policy(an_agency_policy(tmp_path, """
[minimums]
statement_period = { working_days = 5 }
[rules.TIMER_TOO_SHORT]
severity = "warning"
[rules.USER_TASK_WITHOUT_STAGE]
severity = "off"
"""))
    assert policy.minimums["statement_period"] == Period(5, True) and policy.minimums["payment"] == Period(15, False)
    assert policy.sources[-1].endswith("agency.toml") and policy.sources[0].endswith("prc_ordinary.toml")
    assert lint("USER_TASK_WITHOUT_STAGE.bpmn", policy=policy) == []
    [problem] = lint("TIMER_TOO_SHORT.bpmn", policy=policy)
    assert problem.severity == "warning"
    assert rules_of(lint("good_enforcement.bpmn", policy=policy)) == [
        ("TIMER_TOO_SHORT", "statement_period"), ("PENALTY_WITHOUT_RIGHTS_NOTICE", "decide_penalty")]


@pytest.mark.parametrize("text, complaint", [
    ('[rules.NO_SUCH_RULE]\nseverity = "error"\n', "unknown rule"),
    ('[rules.TIMER_TOO_SHORT]\nseverity = "fatal"\n', "severity"),
    ('[minimums]\npayment = { days = 15 }\n', "minimums.payment"),
    ('[minimums]\nsiesta = { working_days = 1 }\n', "no such stage"),
    ('[minimum]\npayment = { calendar_days = 15 }\n', "unknown key"),
    ('holiday_margin_days = -1\n', "holiday_margin_days"),
])
def test_a_policy_the_lint_does_not_understand_is_refused(tmp_path, text, complaint):
    with pytest.raises(PolicyError, match=complaint):
        load_policy(an_agency_policy(tmp_path, text))


def test_a_policy_that_extends_itself_is_refused(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(PolicyError, match="extends itself"):
        load_policy(tmp_path / "a.toml")


# ---- the command line ------------------------------------------------------------------------------


def test_the_cli_prints_one_line_per_problem_and_fails_on_errors(capsys):
    path = FIXTURES / "PENALTY_WITHOUT_RIGHTS_NOTICE.bpmn"
    assert main([str(path)]) == 1
    [line] = capsys.readouterr().out.splitlines()
    assert OUTPUT_LINE.match(line)
    line_no = line_of(path.name, "decide_penalty")
    assert line.startswith(f"{path}:{line_no}: decide_penalty: PENALTY_WITHOUT_RIGHTS_NOTICE: ")


def test_the_cli_passes_with_warnings_only_and_with_nothing(capsys):
    assert main([str(FIXTURES / "TIMER_UNCHECKABLE.bpmn")]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert OUTPUT_LINE.match(line) and ": TIMER_UNCHECKABLE: warning: " in line
    assert main([str(FIXTURES / "good_enforcement.bpmn")]) == 0
    assert capsys.readouterr().out == ""


def test_the_cli_takes_a_policy_file(tmp_path, capsys):
    policy = an_agency_policy(tmp_path, '[categories]\nrequire_enforcement = ["street_vending"]\n')
    assert main(["--policy", str(policy), str(FIXTURES / "CATEGORY_REQUIRES_ENFORCEMENT.bpmn")]) == 1
    assert ": category_requires_enforcement: CATEGORY_REQUIRES_ENFORCEMENT: " in capsys.readouterr().out


def test_the_cli_reports_usage_problems_with_exit_2(tmp_path, capsys):
    assert main(["--policy", str(tmp_path / "missing.toml"), str(FIXTURES / "good_enforcement.bpmn")]) == 2
    assert main([str(tmp_path / "missing.bpmn")]) == 2
    assert main([]) == 2
    assert "no policy file" in capsys.readouterr().err


def test_python_dash_m_engine_policy_runs_the_lint():
    done = subprocess.run([sys.executable, "-m", "engine.policy", str(FIXTURES / "JUDICIAL_REFERRAL_TOO_EARLY.bpmn"),
                           str(FIXTURES / "good_enforcement.bpmn")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert [line.split(": ")[1:3] for line in done.stdout.splitlines()] == [
        ["apply_to_court", "JUDICIAL_REFERRAL_TOO_EARLY"]]


# ---- the procedures we ship ------------------------------------------------------------------------

BUNDLED = sorted({path.parent for path in (ROOT / "processes").glob("*/*.bpmn")})


@pytest.mark.parametrize("folder", BUNDLED, ids=[folder.name for folder in BUNDLED])
def test_every_bundled_procedure_passes_the_lint(folder):
    files = {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.suffix in (".bpmn", ".dmn")}
    errors = [str(p) for p in lint_procedure(files) if p.severity == "error"]
    assert errors == []


def test_dueflow_lint_takes_the_lane_mapping_a_deploy_would_get(capsys):
    enforcement = str(FIXTURES.parent / "elements" / "lanes_enforcement.bpmn")
    assert main([enforcement]) == 1
    assert "lane_boss: LANE_ROLE: lane 'Boss' names no role" in capsys.readouterr().out
    main(["--lanes", '{"Boss": "supervisor", "HR": "officer", "lane_unnamed": "admin"}', enforcement])
    printed = capsys.readouterr()
    assert "LANE_ROLE" not in printed.out and "1 file(s)" in printed.err


def test_evidence_attached_on_a_marked_task_counts_and_a_parallel_branch_counts_at_the_join():
    marked = a_procedure("start > photos > notice > period > decide > order > end", stages=NOTICE, timers=PERIOD,
                         extra={"photos": {"evidence": "true", "stage": "filing"}}, investigated=False)
    assert lint_procedure({"p.bpmn": marked}) == []
    none = a_procedure("start > notice > period > decide > order > end", stages=NOTICE, timers=PERIOD,
                       investigated=False)
    assert rules_of(lint_procedure({"p.bpmn": none})) == [("PENALTY_WITHOUT_EVIDENCE", "decide")]
