"""A local Fortnox API server (Starlette on uvicorn) with Fortnox's rules, quirks and failures."""
