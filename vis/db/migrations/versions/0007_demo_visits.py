"""patrol_visits.demo: simulated visits of `vis demo`, kept apart from real ones

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 16:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patrol_visits") as batch:
        batch.add_column(
            sa.Column(
                "demo",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
                comment="Simulated by `vis demo`; never a real visit",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("patrol_visits") as batch:
        batch.drop_column("demo")
