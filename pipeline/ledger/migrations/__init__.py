"""The ledger's Alembic migrations (env.py, and one file per revision in versions/), shipped in the package."""
