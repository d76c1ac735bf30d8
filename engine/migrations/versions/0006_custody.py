"""evidence custody: who collected each piece of evidence, where, when, who holds it, where its bytes are
stored; and the evidence each decision relies on

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evidence_custody',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('collected_by', sa.String(length=100), nullable=False),
    sa.Column('collected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('collected_where', sa.String(length=300), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=False),
    sa.Column('storage', sa.String(length=16), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['enforcement_case.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('document_id')
    )
    op.create_index('ix_evidence_custody_case_id', 'evidence_custody', ['case_id'], unique=False)
    op.create_table('decision_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('element_id', sa.String(length=200), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('cited_by', sa.String(length=100), nullable=False),
    sa.Column('cited_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['enforcement_case.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id', 'document_id', name='uq_decision_evidence_task_document')
    )
    op.create_index('ix_decision_evidence_case_id', 'decision_evidence', ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_decision_evidence_case_id', table_name='decision_evidence')
    op.drop_table('decision_evidence')
    op.drop_index('ix_evidence_custody_case_id', table_name='evidence_custody')
    op.drop_table('evidence_custody')
