"""launch services (NRPS, AGS, custom parameters) and registration token attempts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 02:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contexts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nrps_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("ags_lineitems_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("ags_scopes", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("resource_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ags_lineitem_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("custom", sa.Text(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("activity", sa.String(length=255), nullable=True))
    with op.batch_alter_table("registration_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("registration_tokens", schema=None) as batch_op:
        batch_op.drop_column("attempts")
    with op.batch_alter_table("resource_links", schema=None) as batch_op:
        batch_op.drop_column("activity")
        batch_op.drop_column("custom")
        batch_op.drop_column("ags_lineitem_url")
    with op.batch_alter_table("contexts", schema=None) as batch_op:
        batch_op.drop_column("ags_scopes")
        batch_op.drop_column("ags_lineitems_url")
        batch_op.drop_column("nrps_url")
