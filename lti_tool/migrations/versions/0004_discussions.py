"""scenario discussions: discussions, participants, posts, revisions, drafts, reports

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 02:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discussions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_link_pk", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(length=255), nullable=False),
        sa.Column("post_first", sa.Boolean(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("commentary_reveal", sa.String(length=32), nullable=False),
        sa.Column("commentary_released_at", sa.DateTime(), nullable=True),
        sa.Column("commentary_from", sa.DateTime(), nullable=True),
        sa.Column("edit_window_minutes", sa.Integer(), nullable=False),
        sa.Column("max_length", sa.Integer(), nullable=False),
        sa.Column("grading", sa.String(length=32), nullable=False),
        sa.Column("grading_target", sa.Integer(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_link_pk"],
            ["resource_links.id"],
            name=op.f("fk_discussions_resource_link_pk_resource_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussions")),
        sa.UniqueConstraint("resource_link_pk", "scenario_id", name="uq_discussions_link_scenario"),
    )
    op.create_table(
        "discussion_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("pseudonym_number", sa.Integer(), nullable=True),
        sa.Column("previous_visit_at", sa.DateTime(), nullable=True),
        sa.Column("last_visit_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_discussion_participants_discussion_id_discussions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_discussion_participants_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_participants")),
        sa.UniqueConstraint(
            "discussion_id", "pseudonym_number", name="uq_discussion_participants_pseudonym"
        ),
        sa.UniqueConstraint("discussion_id", "user_id", name="uq_discussion_participants_user"),
    )
    with op.batch_alter_table("discussion_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discussion_participants_discussion_id"), ["discussion_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_discussion_participants_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "discussion_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("hidden_reason", sa.Text(), nullable=True),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("edited_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_discussion_posts_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_discussion_posts_discussion_id_discussions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["discussion_posts.id"],
            name=op.f("fk_discussion_posts_parent_id_discussion_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_posts")),
    )
    with op.batch_alter_table("discussion_posts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discussion_posts_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_discussion_posts_discussion_id"), ["discussion_id"], unique=False
        )

    op.create_table(
        "discussion_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_discussion_drafts_discussion_id_discussions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_discussion_drafts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_drafts")),
        sa.UniqueConstraint("discussion_id", "user_id", name="uq_discussion_drafts_user"),
    )
    with op.batch_alter_table("discussion_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discussion_drafts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "discussion_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["handled_by_id"],
            ["users.id"],
            name=op.f("fk_discussion_reports_handled_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["discussion_posts.id"],
            name=op.f("fk_discussion_reports_post_id_discussion_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_discussion_reports_reporter_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_reports")),
    )
    with op.batch_alter_table("discussion_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discussion_reports_post_id"), ["post_id"], unique=False
        )

    op.create_table(
        "discussion_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["discussion_posts.id"],
            name=op.f("fk_discussion_revisions_post_id_discussion_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_revisions")),
    )
    with op.batch_alter_table("discussion_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discussion_revisions_post_id"), ["post_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("discussion_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_revisions_post_id"))

    op.drop_table("discussion_revisions")
    with op.batch_alter_table("discussion_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_reports_post_id"))

    op.drop_table("discussion_reports")
    with op.batch_alter_table("discussion_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_posts_discussion_id"))
        batch_op.drop_index(batch_op.f("ix_discussion_posts_author_id"))

    with op.batch_alter_table("discussion_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_drafts_user_id"))

    op.drop_table("discussion_drafts")
    op.drop_table("discussion_posts")
    with op.batch_alter_table("discussion_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_participants_user_id"))
        batch_op.drop_index(batch_op.f("ix_discussion_participants_discussion_id"))

    op.drop_table("discussion_participants")
    op.drop_table("discussions")
