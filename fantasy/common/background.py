"""How a domain asks for background work without importing `fantasy.jobs` (the jobs import the domains, never
the other way round; the import contracts in pyproject.toml hold it).

The domain sends one of its own signals (a `*_due` or `*_requested` in its events.py); `fantasy.jobs`, which
connects its queuing functions to them when the app is created (`fantasy.jobs.init_jobs`), queues the job.
`ask` is for the requests whose caller needs the job back (an admin's 202 names the job it queued)."""
from blinker import NamedSignal


def ask(signal: NamedSignal, sender, **kwargs):
    """Send `signal` and return the answer of its one receiver (the job layer's queuing function)."""
    answers = [answer for _receiver, answer in signal.send(sender, **kwargs)]
    if len(answers) != 1:
        raise RuntimeError(f"{signal.name}: {len(answers)} receivers answered, expected the job layer's one "
                           "(connected by fantasy.jobs.init_jobs when the app is created)")
    return answers[0]
