"""Side effects that may only happen once the database commit succeeded: enqueue a job, publish an event.

Code inside a transaction calls `defer(session, action)`; the actions run right after that session's
commit and are dropped on rollback, so nobody is notified of something that never happened.
"""
import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
KEY = "fantasy_outbox"


def defer(session: Session, action: Callable[[], None]) -> None:
    session.info.setdefault(KEY, []).append(action)


def _after_commit(session: Session) -> None:
    for action in session.info.pop(KEY, []):
        try:
            action()
        except Exception:  # the commit stands; a lost side effect is logged, never raised into the caller
            log.exception("after-commit action failed")


def _after_rollback(session: Session) -> None:
    session.info.pop(KEY, None)


def init_outbox() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
