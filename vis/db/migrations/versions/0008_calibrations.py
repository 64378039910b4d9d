"""calibrations: the stored results of `vis calibrate`, versioned per municipality

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 19:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calibrations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("municipality_code", sa.String(length=8), nullable=False),
        sa.Column(
            "version",
            sa.Integer(),
            nullable=False,
            comment="1, 2, … per municipality; never reused",
        ),
        sa.Column("until", sa.Date(), nullable=False, comment="Last day of history it used"),
        sa.Column("outcome", sa.String(length=16), nullable=False, comment="calibrated, defaults"),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column(
            "params", sa.JSON(), nullable=False, comment="The parameters briefings use with it"
        ),
        sa.Column(
            "rules_sha256",
            sa.String(length=64),
            nullable=False,
            comment="SHA-256 of the rules file it calibrated; applies only to that file",
        ),
        sa.Column("code_version", sa.String(length=64), nullable=False),
        sa.Column(
            "report", sa.JSON(), nullable=False, comment="Windows and every candidate's figures"
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibrations")),
        sa.UniqueConstraint(
            "municipality_code", "version", name="uq_calibrations_municipality_code"
        ),
    )


def downgrade() -> None:
    op.drop_table("calibrations")
