"""The fleet: every store synced by any number of `kassasync worker` processes over one PostgreSQL, with
procrastinate as the job engine (docs/fleet.md). A job is one store's unit of work (runner/unit.py); the
exactly-once guarantee stays in the ledger, since the engine runs a job at least once."""
