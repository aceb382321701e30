"""How far a trainer's scope reaches: the invite's store or that store's region
(bot.policy). Before this revision every chat trainer reached their store's region,
which let a dashboard trainer of one store mint region-wide trainers. Trainers whose
invite came from the command line or an admin keep the region; those invited by a
dashboard trainer are brought back to their store. Invites not yet redeemed reach the
store.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("invites", sa.Column("reach", sa.String(8), nullable=False, server_default="store"))
    op.add_column("people", sa.Column("reach", sa.String(8), nullable=True))
    # a trainer invited by a dashboard account that is itself a trainer reaches the store
    op.execute(sa.text("""
        UPDATE people SET reach = CASE WHEN EXISTS (
            SELECT 1 FROM invite_redemptions r
            JOIN invites i ON i.id = r.invite_id
            JOIN dashboard_users u ON i.created_by = 'dashboard:' || u.name
            WHERE r.person_id = people.id AND u.role = 'trainer'
        ) THEN 'store' ELSE 'region' END
        WHERE role = 'trainer'
    """))


def downgrade() -> None:
    op.drop_column("people", "reach")
    op.drop_column("invites", "reach")
