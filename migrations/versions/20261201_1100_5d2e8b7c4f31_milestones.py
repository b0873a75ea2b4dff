"""milestones: a quote's plan of staged deliveries, accepted one by one, with their files

Revision ID: 5d2e8b7c4f31
Revises: 3b7d1c2e9f10
Create Date: 2026-12-01 11:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5d2e8b7c4f31'
down_revision = '3b7d1c2e9f10'
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

    # A delivered milestone owns its files, as a need, a message or a quote owns theirs.
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('milestone_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_attachments_milestone_id'), ['milestone_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attachments_milestone_id_milestones'), 'milestones', ['milestone_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_constraint(batch_op.f('ck_attachments_one_owner'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_attachments_one_owner'), sa.text('(CASE WHEN need_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN message_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN quote_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN milestone_id IS NULL THEN 0 ELSE 1 END) = 1'))


def downgrade():
    # Milestones' files have no owner without them (the files on disk go with the next sweep).
    op.execute('DELETE FROM attachments WHERE milestone_id IS NOT NULL')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_attachments_one_owner'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_attachments_one_owner'), sa.text('(CASE WHEN need_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN message_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN quote_id IS NULL THEN 0 ELSE 1 END) = 1'))
        batch_op.drop_constraint(batch_op.f('fk_attachments_milestone_id_milestones'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attachments_milestone_id'))
        batch_op.drop_column('milestone_id')

    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestones_quote_id'))
        batch_op.drop_index(batch_op.f('ix_milestones_engagement_id'))
    op.drop_table('milestones')
