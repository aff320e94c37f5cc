"""Background jobs on RQ: queues, job functions, the periodic schedule (§10) and the admin's view of them.

The layer above the domains: it imports them, they never import it (pyproject.toml's import contracts). A
domain that needs work done in the background sends one of its signals; `init_jobs` connects the queuing
functions here to them."""


def init_jobs() -> None:
    """Connect every job module's receivers (create_app calls this; blinker ignores a second connect)."""
    from fantasy.jobs import drafts, f1data, market, notifications, scoring

    for module in (drafts, f1data, market, notifications, scoring):
        module.subscribe()
