"""documents issued from templates: number, template, language, correction, service; per-agency counters

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('document_counter',
    sa.Column('agency', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('agency', 'kind', 'year')
    )
    with op.batch_alter_table('document') as batch:
        batch.add_column(sa.Column('number', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('template', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('lang', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('correction_reason', sa.Text(), nullable=True))
        batch.add_column(sa.Column('served_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('service', sa.JSON(), nullable=True))
        batch.create_unique_constraint('uq_document_number', ['number'])
        batch.create_foreign_key('fk_document_replaces_id', 'document', ['replaces_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('document') as batch:
        batch.drop_constraint('fk_document_replaces_id', type_='foreignkey')
        batch.drop_constraint('uq_document_number', type_='unique')
        for column in ('service', 'served_at', 'correction_reason', 'replaces_id', 'lang', 'template', 'number'):
            batch.drop_column(column)
    op.drop_table('document_counter')
