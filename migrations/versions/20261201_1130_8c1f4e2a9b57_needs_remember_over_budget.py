"""needs remember which fitting plug-ins the budget limit kept out of their last matching

Revision ID: 8c1f4e2a9b57
Revises: 5d2e8b7c4f31
Create Date: 2026-12-01 11:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '8c1f4e2a9b57'
down_revision = '5d2e8b7c4f31'
branch_labels = None
depends_on = None


def upgrade():
    # Null for needs matched before: the note appears at their next matching.
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('over_budget', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_column('over_budget')
