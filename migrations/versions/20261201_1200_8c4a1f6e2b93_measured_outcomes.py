"""measured outcomes: KPI baselines before the work and values after it; when the work began

Revision ID: 8c4a1f6e2b93
Revises: 8c1f4e2a9b57
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '8c4a1f6e2b93'
down_revision = '8c1f4e2a9b57'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('engagements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_began_at', sa.DateTime(), nullable=True))
    # Engagements so far: the work began with their first delivery still on record, else
    # with their completion (a milestone delivered again keeps only its last time).
    op.execute(
        'UPDATE engagements SET work_began_at = COALESCE('
        '(SELECT MIN(delivered_at) FROM milestones WHERE milestones.engagement_id = engagements.id), '
        'completed_at)'
    )

    op.create_table(
        'outcomes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('engagement_id', sa.Integer(), nullable=False),
        sa.Column('kpi', sa.String(length=40), nullable=False),
        sa.Column('baseline', sa.Float(), nullable=False),
        sa.Column('baseline_at', sa.DateTime(), nullable=False),
        sa.Column('after', sa.Float(), nullable=True),
        sa.Column('after_at', sa.DateTime(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('(after IS NULL) = (after_at IS NULL)', name=op.f('ck_outcomes_after_with_its_time')),
        sa.CheckConstraint('after IS NULL OR after >= 0', name=op.f('ck_outcomes_after_non_negative')),
        sa.CheckConstraint('baseline >= 0', name=op.f('ck_outcomes_baseline_non_negative')),
        sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'], name=op.f('fk_outcomes_engagement_id_engagements'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_outcomes_recorded_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outcomes')),
        sa.UniqueConstraint('engagement_id', 'kpi', name=op.f('uq_outcomes_engagement_id_kpi')),
    )
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outcomes_engagement_id'), ['engagement_id'], unique=False)


def downgrade():
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcomes_engagement_id'))
    op.drop_table('outcomes')
    with op.batch_alter_table('engagements', schema=None) as batch_op:
        batch_op.drop_column('work_began_at')
