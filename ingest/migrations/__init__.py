"""Alembic migrations for the one relational schema (document registry, people,
exchanges, quiz logs). Run by `ingest.db.make_engine`; new revisions with
`alembic -c ingest/migrations/alembic.ini revision -m "..."`."""
