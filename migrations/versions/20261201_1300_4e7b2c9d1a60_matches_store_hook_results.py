"""matches store the plug-in's estimate and eligibility asked when they were computed

Revision ID: 4e7b2c9d1a60
Revises: 8c4a1f6e2b93
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '4e7b2c9d1a60'
down_revision = '8c4a1f6e2b93'
branch_labels = None
depends_on = None


def upgrade():
    # Null for matches stored before: the page asks the plug-in until the next matching.
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hook_results', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_column('hook_results')
