"""The ledger's revisions, oldest first: 0001 is the schema of every ledger made before Alembic came in."""
