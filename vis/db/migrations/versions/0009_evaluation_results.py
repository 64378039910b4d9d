"""evaluation_results: the last stored output of `vis evaluate --pilot` per pilot

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 14:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluation_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("municipality_code", sa.String(length=8), nullable=False),
        sa.Column("pilot", sa.String(length=100), nullable=False),
        sa.Column(
            "key_sha256",
            sa.String(length=64),
            nullable=False,
            comment="SHA-256 of the code version, the configuration and the data marks it was "
            "computed on",
        ),
        sa.Column("code_version", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False, comment="`vis evaluate --pilot` output"),
        sa.Column(
            "json", sa.Text(), nullable=False, comment="`vis evaluate --pilot --json` output"
        ),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False, comment="How long the computation took"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_results")),
        sa.UniqueConstraint(
            "municipality_code", "pilot", name="uq_evaluation_results_municipality_code"
        ),
    )


def downgrade() -> None:
    op.drop_table("evaluation_results")
