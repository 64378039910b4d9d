"""users.session_epoch (a disable, role change, lockout or "log out everywhere" ends open
sessions) and audit_anchor.mac (the retention anchor's HMAC)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 16:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "session_epoch",
                sa.Integer(),
                nullable=False,
                server_default="0",
                comment="Raised when the user's open sessions must end",
            )
        )

    with op.batch_alter_table("audit_anchor") as batch:
        batch.add_column(
            sa.Column(
                "mac",
                sa.String(length=64),
                nullable=True,
                comment="HMAC of the anchor with the audit key",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_anchor") as batch:
        batch.drop_column("mac")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_epoch")
