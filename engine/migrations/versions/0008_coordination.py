"""coordination and grid: the versioned responsibility list, who holds a case between departments, grid
cells with their polygons, community and street, inspectors' patrols, and the assessment's indexes

Revision ID: 0008
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0006'
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
    with op.batch_alter_table('grid_cell') as batch:
        batch.add_column(sa.Column('community', sa.String(length=200), nullable=False, server_default=''))
        batch.add_column(sa.Column('street', sa.String(length=200), nullable=False, server_default=''))
        batch.add_column(sa.Column('geometry', sa.JSON(), nullable=True))
        for name in ('min_x', 'min_y', 'max_x', 'max_y'):
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))
        batch.create_index('ix_grid_cell_street', ['street'], unique=False)
        batch.create_index('ix_grid_cell_bbox', ['min_x', 'max_x', 'min_y', 'max_y'], unique=False)
    op.create_table('inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cell', sa.String(length=64), nullable=False),
    sa.Column('inspector', sa.String(length=100), nullable=False),
    sa.Column('department', sa.String(length=64), nullable=True),
    sa.Column('inspected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['enforcement_case.id'], ),
    sa.ForeignKeyConstraint(['cell'], ['grid_cell.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_inspection_cell_at', 'inspection', ['cell', 'inspected_at'], unique=False)
    # the assessment reads events by type and time, and cases by the day they were opened or closed
    op.create_index('ix_audit_event_type_at', 'audit_event', ['event_type', 'occurred_at'], unique=False)
    op.create_index('ix_enforcement_case_opened_at', 'enforcement_case', ['opened_at'], unique=False)
    op.create_index('ix_enforcement_case_closed_at', 'enforcement_case', ['closed_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_enforcement_case_closed_at', table_name='enforcement_case')
    op.drop_index('ix_enforcement_case_opened_at', table_name='enforcement_case')
    op.drop_index('ix_audit_event_type_at', table_name='audit_event')
    op.drop_index('ix_inspection_cell_at', table_name='inspection')
    op.drop_table('inspection')
    with op.batch_alter_table('grid_cell') as batch:
        batch.drop_index('ix_grid_cell_bbox')
        batch.drop_index('ix_grid_cell_street')
        for name in ('max_y', 'max_x', 'min_y', 'min_x', 'geometry', 'street', 'community'):
            batch.drop_column(name)
    op.drop_index('ix_coordination_holder', table_name='coordination')
    op.drop_table('coordination')
    op.drop_index('ix_responsibility_lookup', table_name='responsibility')
    op.drop_index('ix_responsibility_version', table_name='responsibility')
    op.drop_table('responsibility')
