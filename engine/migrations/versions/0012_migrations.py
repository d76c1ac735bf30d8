"""migration plans: moving running cases to another procedure version, case by case, with what a revert needs

Revision ID: 0012
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('migration_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_key', sa.String(length=200), nullable=False),
    sa.Column('source_version_id', sa.Integer(), nullable=False),
    sa.Column('target_version_id', sa.Integer(), nullable=False),
    sa.Column('case_filter', sa.JSON(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('due_changes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('proposed_by', sa.String(length=100), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.String(length=100), nullable=True),
    sa.Column('approved_role', sa.String(length=32), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approval_reason', sa.Text(), nullable=True),
    sa.Column('run_by', sa.String(length=100), nullable=True),
    sa.Column('run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reverted_by', sa.String(length=100), nullable=True),
    sa.Column('reverted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['source_version_id'], ['procedure_version.id'], ),
    sa.ForeignKeyConstraint(['target_version_id'], ['procedure_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_migration_plan_procedure_key', 'migration_plan', ['procedure_key'], unique=False)
    op.create_index('ix_migration_plan_status', 'migration_plan', ['status'], unique=False)
    op.create_table('migration_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('preview', sa.JSON(), nullable=False),
    sa.Column('previous_version_id', sa.Integer(), nullable=True),
    sa.Column('previous_state', sa.Text(), nullable=True),
    sa.Column('audit_seq_after', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['enforcement_case.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['migration_plan.id'], ),
    sa.ForeignKeyConstraint(['previous_version_id'], ['procedure_version.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'case_id')
    )
    op.create_index('ix_migration_case_plan_id', 'migration_case', ['plan_id'], unique=False)
    op.create_index('ix_migration_case_case_id', 'migration_case', ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_migration_case_case_id', table_name='migration_case')
    op.drop_index('ix_migration_case_plan_id', table_name='migration_case')
    op.drop_table('migration_case')
    op.drop_index('ix_migration_plan_status', table_name='migration_plan')
    op.drop_index('ix_migration_plan_procedure_key', table_name='migration_plan')
    op.drop_table('migration_plan')
