"""grade deliveries (the grades outbox)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 02:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grade_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_link_pk", sa.Integer(), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("score_given", sa.Float(), nullable=True),
        sa.Column("score_maximum", sa.Float(), nullable=False),
        sa.Column("activity_progress", sa.String(length=32), nullable=False),
        sa.Column("grading_progress", sa.String(length=32), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("new_submission", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("resource_id", sa.String(length=255), nullable=False),
        sa.Column("tag", sa.String(length=255), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_link_pk"],
            ["resource_links.id"],
            name=op.f("fk_grade_deliveries_resource_link_pk_resource_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_pk"],
            ["users.id"],
            name=op.f("fk_grade_deliveries_user_pk_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grade_deliveries")),
    )
    with op.batch_alter_table("grade_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_grade_deliveries_link_user",
            ["resource_link_pk", "user_pk", "released_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_grade_deliveries_state_due", ["state", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("grade_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_grade_deliveries_state_due")
        batch_op.drop_index("ix_grade_deliveries_link_user")
    op.drop_table("grade_deliveries")
