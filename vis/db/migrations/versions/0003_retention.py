"""retention: incident_stats (reduced incidents), audit_anchor (purged audit chain start)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 12:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_stats",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "category",
            sa.String(length=64),
            nullable=True,
            comment="VIS category key; NULL when unmapped",
        ),
        sa.Column("cbs_code", sa.String(length=16), nullable=True),
        sa.Column("area_code", sa.String(length=16), nullable=True),
        sa.Column("municipality_code", sa.String(length=8), nullable=True),
        sa.Column(
            "cell_id",
            sa.String(length=64),
            nullable=True,
            comment="Grid cell (vis.geo.Grid); NULL without coordinates",
        ),
        sa.Column(
            "month",
            sa.Date(),
            nullable=False,
            comment="First day of the local month of begin_at",
        ),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, comment="Incidents with Poging J"),
        sa.Column(
            "attempts_known",
            sa.Integer(),
            nullable=False,
            comment="Incidents with Poging J or N",
        ),
        sa.Column("arrests", sa.Integer(), nullable=False, comment="Sum of Aanhoudingen"),
        sa.Column(
            "reduced_at",
            sa.DateTime(timezone=True),
            nullable=False,
            comment="When the purge reduced them",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_stats")),
    )
    with op.batch_alter_table("incident_stats", schema=None) as batch_op:
        batch_op.create_index("ix_incident_stats_month", ["month"], unique=False)
    op.create_table(
        "audit_anchor",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "last_id", sa.Integer(), nullable=False, comment="Id of the last audit entry purged"
        ),
        sa.Column(
            "last_hash",
            sa.String(length=64),
            nullable=False,
            comment="Its hash: the next prev_hash",
        ),
        sa.Column(
            "purged", sa.Integer(), nullable=False, comment="Entries purged with this anchor"
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_anchor")),
    )


def downgrade() -> None:
    op.drop_table("audit_anchor")
    with op.batch_alter_table("incident_stats", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_stats_month")
    op.drop_table("incident_stats")
