"""Practice: quiz sessions, attempts, FSRS cards, reminders, assignments, certificates.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
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
        "assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(256), nullable=False),
        sa.Column("topic", sa.String(256)),
        sa.Column("question_count", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("people.id")),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "quiz_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("topic", sa.String(256)),
        sa.Column("assignment_id", sa.Integer(), sa.ForeignKey("assignments.id")),
        sa.Column("level", sa.String(64)),
        sa.Column("question_ids", sa.Text(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime()),
    )
    op.create_table(
        "quiz_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("quiz_sessions.id"), nullable=False, index=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False, index=True),
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("stores.id")),
        sa.Column("assignment_id", sa.Integer(), sa.ForeignKey("assignments.id")),
        sa.Column("question_id", sa.String(32), nullable=False, index=True),
        sa.Column("question_version", sa.String(64)),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("options_shown", sa.Text(), nullable=False),
        sa.Column("correct_shown", sa.Integer()),
        sa.Column("delivery", sa.String(16), nullable=False),
        sa.Column("poll_id", sa.String(64), unique=True),
        sa.Column("message_id", sa.Integer()),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), index=True),
        sa.Column("choice", sa.Integer()),
        sa.Column("answer_text", sa.Text()),
        sa.Column("correct", sa.Boolean()),
        sa.Column("time_ms", sa.Integer()),
    )
    op.create_table(
        "quiz_cards",
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), primary_key=True),
        sa.Column("question_id", sa.String(32), primary_key=True),
        sa.Column("card", sa.Text(), nullable=False),
        sa.Column("due", sa.DateTime(), nullable=False, index=True),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("last_review", sa.DateTime()),
    )
    op.create_table(
        "quiz_reminders",
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), primary_key=True),
        sa.Column("at", sa.String(5), nullable=False),
        sa.Column("last_sent_on", sa.Date()),
    )
    op.create_table(
        "assignment_progress",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("assignment_id", sa.Integer(), sa.ForeignKey("assignments.id"), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("reminded_on", sa.Date()),
        sa.Column("completed_at", sa.DateTime()),
        sa.Column("score", sa.Float()),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("quiz_sessions.id")),
        sa.UniqueConstraint("assignment_id", "person_id"),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False, index=True),
        sa.Column("level", sa.String(64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("quiz_sessions.id"), nullable=False),
        sa.Column("passed_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("certificates", "assignment_progress", "quiz_reminders", "quiz_cards",
                  "quiz_attempts", "quiz_sessions", "assignments"):
        op.drop_table(table)
