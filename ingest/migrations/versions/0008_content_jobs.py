"""Uploads answered before their ingest ends: each upload's ingest is a job whose
report the documents page shows when it is done (bot.content_jobs).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
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
        "content_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("dashboard_users.id"), nullable=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_content_jobs_user_id", "content_jobs", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_content_jobs_user_id", "content_jobs")
    op.drop_table("content_jobs")
