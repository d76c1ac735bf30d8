"""reads at volume: the worklist's ready-task indexes (partial, in deadline order); case search's filter
indexes ending in the id (newest first without a sort) and trigram indexes for number, party or address
fragments (PostgreSQL's pg_trgm; SQLite keeps scanning with LIKE); a case's events by type and a period's
events by type read from the index alone (the assessment)

Revision ID: 0010
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TRIGRAM = (('ix_case_no_trgm', 'case_no'), ('ix_case_party_trgm', 'party_name'), ('ix_case_address_trgm', 'address'))
READY = "state = 'ready'"
SEARCH = (('ix_case_department_status_id', ['department', 'status', 'id']), ('ix_case_stage_id', ['stage', 'id']),
          ('ix_case_grid_id', ['grid_cell', 'id']),
          ('ix_case_opened_cover', ['opened_at', 'department', 'status', 'outcome']),
          ('ix_case_closed_cover', ['closed_at', 'department', 'status', 'outcome', 'id']),
          ('ix_case_group_cover', ['id', 'department', 'grid_cell', 'opened_by', 'opened_at']))


def upgrade() -> None:
    bind = op.get_bind()
    ready = sa.text(READY)  # partial on both databases: finished tasks pile up, the worklist reads ready ones
    op.create_index('ix_task_ready_queue', 'task', ['department', 'role', 'due_at', 'created_at', 'id'],
                    unique=False, postgresql_where=ready, sqlite_where=ready)
    op.create_index('ix_task_ready_due', 'task', ['due_at', 'created_at', 'id'], unique=False,
                    postgresql_where=ready, sqlite_where=ready)
    # the period scans carry case and element, so the assessment reads them from the index alone
    op.drop_index('ix_audit_event_type_at', table_name='audit_event')
    op.create_index('ix_audit_event_type_at', 'audit_event', ['event_type', 'occurred_at', 'case_id', 'element_id'],
                    unique=False)
    op.create_index('ix_audit_event_case_type', 'audit_event',
                    ['case_id', 'event_type', 'element_id', 'occurred_at', 'seq'], unique=False)
    for name, columns in SEARCH:
        op.create_index(name, 'enforcement_case', columns, unique=False)
    if bind.dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for name, column in TRIGRAM:
            op.create_index(name, 'enforcement_case', [column], unique=False, postgresql_using='gin',
                            postgresql_ops={column: 'gin_trgm_ops'})


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name, _ in TRIGRAM:
            op.drop_index(name, table_name='enforcement_case')
    for name, _ in SEARCH:
        op.drop_index(name, table_name='enforcement_case')
    op.drop_index('ix_audit_event_case_type', table_name='audit_event')
    op.drop_index('ix_audit_event_type_at', table_name='audit_event')
    op.create_index('ix_audit_event_type_at', 'audit_event', ['event_type', 'occurred_at'], unique=False)
    op.drop_index('ix_task_ready_due', table_name='task')
    op.drop_index('ix_task_ready_queue', table_name='task')
