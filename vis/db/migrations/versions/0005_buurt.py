"""incidents: buurt by point in polygon (where configured) and the police's Pleegbuurt

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 16:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column(
                "police_neighbourhood",
                sa.String(length=200),
                nullable=True,
                comment="Pleegbuurt as the police know it",
            )
        )
        batch.add_column(
            sa.Column(
                "buurt_code",
                sa.String(length=16),
                nullable=True,
                comment="Configured buurt by point in polygon (geo.buurten_file); NULL without",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("buurt_code")
        batch.drop_column("police_neighbourhood")
