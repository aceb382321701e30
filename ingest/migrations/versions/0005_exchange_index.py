"""Index for the per-person rate limit: recent exchanges of one person.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_exchanges_person_created", "exchanges", ["person_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_exchanges_person_created", table_name="exchanges")
