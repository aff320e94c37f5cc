"""Background jobs on RQ: queues, job functions and the periodic schedule (§10)."""
