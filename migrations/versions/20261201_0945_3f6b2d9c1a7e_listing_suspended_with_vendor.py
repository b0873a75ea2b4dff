"""listings remember that their vendor's suspension took them down

Revision ID: 3f6b2d9c1a7e
Revises: b7d41c2e9a10
Create Date: 2026-12-01 09:45:00

Replaces the "vendor suspended: " prefix that the rejection reason used to carry.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f6b2d9c1a7e'
down_revision = 'b7d41c2e9a10'
branch_labels = None
depends_on = None

PREFIX = "vendor suspended: "


def upgrade():
    with op.batch_alter_table('plugin_listings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_with_vendor', sa.Boolean(), server_default=sa.false(), nullable=False))
    listings = sa.table(
        'plugin_listings',
        sa.column('rejection_reason', sa.Text),
        sa.column('suspended_with_vendor', sa.Boolean),
    )
    op.execute(
        listings.update()
        .where(listings.c.rejection_reason.like(PREFIX + '%'))
        .values(
            suspended_with_vendor=True,
            rejection_reason=sa.func.substr(listings.c.rejection_reason, len(PREFIX) + 1),
        )
    )


def downgrade():
    listings = sa.table(
        'plugin_listings',
        sa.column('rejection_reason', sa.Text),
        sa.column('suspended_with_vendor', sa.Boolean),
    )
    op.execute(
        listings.update()
        .where(listings.c.suspended_with_vendor == sa.true())
        .values(rejection_reason=sa.literal(PREFIX) + sa.func.coalesce(listings.c.rejection_reason, ''))
    )
    with op.batch_alter_table('plugin_listings', schema=None) as batch_op:
        batch_op.drop_column('suspended_with_vendor')
