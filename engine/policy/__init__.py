"""Due-process lint of enforcement procedures: rules from a policy file, checked over the BPMN graph.

Public API: `load_policy`, `lint_procedure`, `procedure_stages`, `main` (the CLI); see docs/stages.md."""
from engine.policy.cli import main
from engine.policy.config import Policy, PolicyError, RuleSetting, load_policy
from engine.policy.lint import lint_procedure, procedure_stages
from engine.policy.periods import Period
from engine.policy.positions import rights_skipped

__all__ = ["Period", "Policy", "PolicyError", "RuleSetting", "lint_procedure", "load_policy", "main",
           "procedure_stages", "rights_skipped"]
