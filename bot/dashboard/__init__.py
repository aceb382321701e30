"""Web dashboard for trainers and content owners (FastAPI, server-rendered pages)."""
