"""milestones: a quote's plan of staged deliveries, accepted one by one

Revision ID: 5d2e8b7c4f31
Revises: 3fd7bdf03970
Create Date: 2026-12-01 11:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5d2e8b7c4f31'
down_revision = '3fd7bdf03970'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'milestones',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('quote_id', sa.Integer(), nullable=False),
        sa.Column('engagement_id', sa.Integer(), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('share_pct', sa.Integer(), nullable=False),
        sa.Column('due_week', sa.Integer(), nullable=False),
        sa.Column('criteria', sa.Text(), nullable=False),
        sa.Column('status', sa.Enum('planned', 'delivered', 'accepted', 'rejected', 'disputed', name='milestone_status', native_enum=False, create_constraint=True, length=13), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('delivery_note', sa.Text(), nullable=True),
        sa.Column('delivered_at', sa.DateTime(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('rejection_reason', sa.Text(), nullable=True),
        sa.Column('rejections', sa.Integer(), nullable=False),
        sa.Column('overdue_notified_on', sa.Date(), nullable=True),
        sa.Column('resolution', sa.Text(), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('due_week BETWEEN 1 AND 260', name=op.f('ck_milestones_due_week_range')),
        sa.CheckConstraint('position BETWEEN 1 AND 8', name=op.f('ck_milestones_position_range')),
        sa.CheckConstraint('rejections >= 0', name=op.f('ck_milestones_rejections_non_negative')),
        sa.CheckConstraint('share_pct BETWEEN 1 AND 100', name=op.f('ck_milestones_share_pct_range')),
        sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'], name=op.f('fk_milestones_engagement_id_engagements'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_milestones_quote_id_quotes'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_milestones_resolved_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_milestones')),
        sa.UniqueConstraint('quote_id', 'position', name=op.f('uq_milestones_quote_id_position')),
    )
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestones_engagement_id'), ['engagement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_milestones_quote_id'), ['quote_id'], unique=False)


def downgrade():
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestones_quote_id'))
        batch_op.drop_index(batch_op.f('ix_milestones_engagement_id'))
    op.drop_table('milestones')
