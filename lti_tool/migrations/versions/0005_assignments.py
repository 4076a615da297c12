"""assignments: placements, drafts, submitted versions, files, marks, audit log

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 02:28:21.481276
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_link_pk", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.String(length=255), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("word_limit", sa.Integer(), nullable=True),
        sa.Column("late_policy", sa.String(length=32), nullable=True),
        sa.Column("resubmission", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_link_pk"],
            ["resource_links.id"],
            name=op.f("fk_assignments_resource_link_pk_resource_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
        sa.UniqueConstraint(
            "resource_link_pk", "assignment_id", name="uq_assignments_link_assignment"
        ),
    )
    op.create_table(
        "assignment_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_pk", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_pk"],
            ["assignments.id"],
            name=op.f("fk_assignment_drafts_placement_pk_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_assignment_drafts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_drafts")),
        sa.UniqueConstraint("placement_pk", "user_id", name="uq_assignment_drafts_user"),
    )
    with op.batch_alter_table("assignment_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignment_drafts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "assignment_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_pk", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("storage_name", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=127), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("in_draft", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["placement_pk"],
            ["assignments.id"],
            name=op.f("fk_assignment_files_placement_pk_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_assignment_files_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_files")),
        sa.UniqueConstraint("storage_name", name=op.f("uq_assignment_files_storage_name")),
    )
    with op.batch_alter_table("assignment_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignment_files_user_id"), ["user_id"], unique=False)

    op.create_table(
        "assignment_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_pk", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("receipt", sa.String(length=32), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["placement_pk"],
            ["assignments.id"],
            name=op.f("fk_assignment_submissions_placement_pk_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_assignment_submissions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_submissions")),
        sa.UniqueConstraint(
            "placement_pk", "user_id", "request_key", name="uq_assignment_submissions_request"
        ),
        sa.UniqueConstraint(
            "placement_pk", "user_id", "version", name="uq_assignment_submissions_version"
        ),
    )
    with op.batch_alter_table("assignment_submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assignment_submissions_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "assignment_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_pk", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("learner_id", sa.Integer(), nullable=True),
        sa.Column("submission_pk", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_assignment_audit_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["users.id"],
            name=op.f("fk_assignment_audit_learner_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["placement_pk"],
            ["assignments.id"],
            name=op.f("fk_assignment_audit_placement_pk_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_pk"],
            ["assignment_submissions.id"],
            name=op.f("fk_assignment_audit_submission_pk_assignment_submissions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_audit")),
    )
    with op.batch_alter_table("assignment_audit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assignment_audit_placement_pk"), ["placement_pk"], unique=False
        )

    op.create_table(
        "assignment_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_pk", sa.Integer(), nullable=False),
        sa.Column("marker_id", sa.Integer(), nullable=True),
        sa.Column("points", sa.Text(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("maximum", sa.Float(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["marker_id"],
            ["users.id"],
            name=op.f("fk_assignment_marks_marker_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["submission_pk"],
            ["assignment_submissions.id"],
            name=op.f("fk_assignment_marks_submission_pk_assignment_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_marks")),
        sa.UniqueConstraint("submission_pk", name=op.f("uq_assignment_marks_submission_pk")),
    )
    op.create_table(
        "assignment_submitted_files",
        sa.Column("submission_pk", sa.Integer(), nullable=False),
        sa.Column("attachment_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_pk"],
            ["assignment_files.id"],
            name=op.f("fk_assignment_submitted_files_attachment_pk_assignment_files"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submission_pk"],
            ["assignment_submissions.id"],
            name=op.f("fk_assignment_submitted_files_submission_pk_assignment_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "submission_pk", "attachment_pk", name=op.f("pk_assignment_submitted_files")
        ),
    )


def downgrade() -> None:
    op.drop_table("assignment_submitted_files")
    op.drop_table("assignment_marks")
    with op.batch_alter_table("assignment_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_audit_placement_pk"))

    op.drop_table("assignment_audit")
    with op.batch_alter_table("assignment_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_submissions_user_id"))

    op.drop_table("assignment_submissions")
    with op.batch_alter_table("assignment_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_files_user_id"))

    op.drop_table("assignment_files")
    with op.batch_alter_table("assignment_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_drafts_user_id"))

    op.drop_table("assignment_drafts")
    op.drop_table("assignments")
