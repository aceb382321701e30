"""What a follow-up needs from the exchange before it: the question as answered and its
subject. Both nullable: exchanges stored before this revision keep everything they had
and simply offer no subject to refer back to.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("exchanges", sa.Column("asked", sa.Text(), nullable=True))
    op.add_column("exchanges", sa.Column("subject", sa.Text(), nullable=True))


def downgrade() -> None:
    # plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): no table copy, which foreign keys
    # from knowledge_gaps would refuse
    op.drop_column("exchanges", "subject")
    op.drop_column("exchanges", "asked")
