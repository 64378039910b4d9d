"""login_clients: failed logins and lockouts per client address (login throttling)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_clients",
        sa.Column(
            "client",
            sa.String(length=64),
            nullable=False,
            comment="Client address (IPv6: its /64)",
        ),
        sa.Column(
            "failures",
            sa.Integer(),
            nullable=False,
            comment="Failed logins since the last pause",
        ),
        sa.Column("pending", sa.Integer(), nullable=False, comment="Attempts being checked now"),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "locked_until",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="No login from this client before this time",
        ),
        sa.PrimaryKeyConstraint("client", name=op.f("pk_login_clients")),
    )


def downgrade() -> None:
    op.drop_table("login_clients")
