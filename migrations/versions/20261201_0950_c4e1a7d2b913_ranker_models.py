"""ranker models trained in the portal, stored as data with their figures

Revision ID: c4e1a7d2b913
Revises: 3f6b2d9c1a7e
Create Date: 2026-12-01 09:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c4e1a7d2b913"
down_revision = "3f6b2d9c1a7e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ranker_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=80), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "candidate",
                "live",
                "retired",
                name="ranker_model_status",
                native_enum=False,
                create_constraint=True,
                length=13,
            ),
            nullable=False,
        ),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("verdict", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("activated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version"),
    )
    with op.batch_alter_table("ranker_models", schema=None) as batch_op:
        batch_op.create_index(
            "uq_ranker_models_one_live",
            ["status"],
            unique=True,
            sqlite_where=sa.text("status = 'live'"),
            postgresql_where=sa.text("status = 'live'"),
        )


def downgrade():
    with op.batch_alter_table("ranker_models", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_ranker_models_one_live",
            sqlite_where=sa.text("status = 'live'"),
            postgresql_where=sa.text("status = 'live'"),
        )
    op.drop_table("ranker_models")
