"""Moving running cases to another version of their procedure: plan (computed, not run), approve (four eyes),
run (one transaction per case), revert (cases that took no step since). See docs/migration.md."""
from engine.services.migration.planning import CasePlan, MigrationView, propose_migration
from engine.services.migration.running import (approve_migration, get_migration, list_migrations, revert_migration,
                                               run_migration, summary)

__all__ = ["CasePlan", "MigrationView", "approve_migration", "get_migration", "list_migrations", "propose_migration",
           "revert_migration", "run_migration", "summary"]
