"""Knowledge ingest: load files, normalise, chunk by structure, embed and index them.

This package never imports `bot`; the bot reads what ingest writes through `ingest.index`.
"""
