"""coordination: the versioned responsibility list and who holds a case between departments

Revision ID: 0008
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('responsibility',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('return_days', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_responsibility_version', 'responsibility', ['version'], unique=False)
    op.create_index('ix_responsibility_lookup', 'responsibility', ['version', 'category', 'area'], unique=False)
    op.create_table('coordination',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('holder', sa.String(length=16), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=True),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('return_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assign_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returns', sa.Integer(), nullable=False),
    sa.Column('hops', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['enforcement_case.id'], ),
    sa.PrimaryKeyConstraint('case_id')
    )
    op.create_index('ix_coordination_holder', 'coordination', ['holder'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_coordination_holder', table_name='coordination')
    op.drop_table('coordination')
    op.drop_index('ix_responsibility_lookup', table_name='responsibility')
    op.drop_index('ix_responsibility_version', table_name='responsibility')
    op.drop_table('responsibility')
