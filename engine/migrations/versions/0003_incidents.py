"""incidents: steps that could not run, kept for an admin to retry or resolve

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('element_id', sa.String(length=200), nullable=True),
    sa.Column('action', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=100), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['enforcement_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_incident_case_id', 'incident', ['case_id'], unique=False)
    op.create_index('ix_incident_status_opened', 'incident', ['status', 'opened_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_incident_status_opened', table_name='incident')
    op.drop_index('ix_incident_case_id', table_name='incident')
    op.drop_table('incident')
