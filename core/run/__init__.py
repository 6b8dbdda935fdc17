"""One run: orchestration (session), the worker client, live state, run record and status, replay, CPU pinning
and environment collection; the only package that starts worker processes for a single run."""
