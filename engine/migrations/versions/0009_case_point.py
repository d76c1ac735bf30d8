"""the case's location point (lon, lat as the grid's GeoJSON reads them) beside its address and grid cell

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('enforcement_case', sa.Column('lon', sa.Float(), nullable=True))
    op.add_column('enforcement_case', sa.Column('lat', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('enforcement_case') as batch_op:
        batch_op.drop_column('lat')
        batch_op.drop_column('lon')
