"""The only package that imports SpiffWorkflow: parse procedures, run a case to its next user input in a
restricted script environment, serialize state without the spec, and report what changed. No database."""
from engine.workflow.environment import SCRIPT_ENGINE, SafeEnvironment, clock_at, register_helper
from engine.workflow.parsing import Procedure, parse_procedure, sources_sha256
from engine.workflow.remote import RemoteRun
from engine.workflow.running import CaseRun, Change, ReadyTask
from engine.workflow.sandbox import SandboxPool, shared_pool

__all__ = ["SCRIPT_ENGINE", "SafeEnvironment", "clock_at", "register_helper", "Procedure", "parse_procedure",
           "sources_sha256", "CaseRun", "Change", "ReadyTask",
           "RemoteRun", "SandboxPool", "shared_pool"]
