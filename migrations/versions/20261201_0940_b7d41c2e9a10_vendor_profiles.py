"""vendor profiles: logos, verification tiers and rejection, reviewer's name by consent

Revision ID: b7d41c2e9a10
Revises: a8cbed787186
Create Date: 2026-12-01 09:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7d41c2e9a10'
down_revision = 'a8cbed787186'
branch_labels = None
depends_on = None

OLD = ('unverified', 'pending', 'verified', 'suspended')
NEW = (*OLD, 'rejected')


def _verification(values):
    return sa.Enum(*values, name='verification', native_enum=False, create_constraint=True, length=14)


def upgrade():
    op.create_table(
        'vendor_logos',
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('image', sa.LargeBinary(), nullable=False),
        sa.Column('media_type', sa.String(length=30), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('width > 0 AND height > 0', name=op.f('ck_vendor_logos_logo_size_positive')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_vendor_logos_organisation_id_organisations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_vendor_logos')),
    )
    # The verification CHECK constraint gains 'rejected': the table is rebuilt on SQLite,
    # the constraint replaced on PostgreSQL.
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verification_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('documents_reviewed_at', sa.DateTime(), nullable=True))
        batch_op.alter_column('verification', existing_type=_verification(OLD), type_=_verification(NEW), existing_nullable=False)
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('show_reviewer_name', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    op.execute("UPDATE organisations SET verification = 'unverified' WHERE verification = 'rejected'")
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_column('show_reviewer_name')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.alter_column('verification', existing_type=_verification(NEW), type_=_verification(OLD), existing_nullable=False)
        batch_op.drop_column('documents_reviewed_at')
        batch_op.drop_column('verification_reason')
    op.drop_table('vendor_logos')
