"""external tasks: service and send tasks waiting for workers; a worker account's topics

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('external_task',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('element_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('lock_owner', sa.String(length=100), nullable=True),
    sa.Column('lock_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retries', sa.Integer(), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['enforcement_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_external_task_case_id', 'external_task', ['case_id'], unique=False)
    op.create_index('ix_external_task_fetch', 'external_task', ['state', 'topic', 'lock_expires_at'], unique=False)
    with op.batch_alter_table('app_user') as batch:
        batch.add_column(sa.Column('topics', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('app_user') as batch:
        batch.drop_column('topics')
    op.drop_index('ix_external_task_fetch', table_name='external_task')
    op.drop_index('ix_external_task_case_id', table_name='external_task')
    op.drop_table('external_task')
