"""Side effects that may only happen once the database commit succeeded: enqueue a job, publish an event.

Code inside a transaction calls `defer(session, action)`; the actions run right after that session's
outermost commit and are dropped when the transaction ends otherwise (a rollback, `Session.close()`), so
nobody is notified of something that never happened.
Savepoints count: SQLAlchemy signals a savepoint's release as a commit and its rollback as a rollback, so
an action waits for the outermost commit however many savepoints were released on the way, and a
savepoint that rolls back drops only the actions deferred inside it (`ensure_draft` rolls one back when a
concurrent request created the same draft).
"""
import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)
KEY = "fantasy_outbox"


def defer(session: Session, action: Callable[[], None]) -> None:
    """Run `action` after the outermost commit, unless the transaction, or a savepoint open now, rolls back."""
    session.info.setdefault(KEY, []).append((session.get_nested_transaction(), action))


def _after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:  # a savepoint released: the transaction goes on
        return
    for _savepoint, action in session.info.pop(KEY, []):
        try:
            action()
        except Exception:  # the commit stands; a lost side effect is logged, never raised into the caller
            log.exception("after-commit action failed")


def _inside(savepoint: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is rolled_back:
            return True
        savepoint = savepoint.parent
    return False


def _after_rollback(session: Session) -> None:
    rolled_back = session.get_nested_transaction()  # the savepoint being rolled back (None: the transaction,
    if rolled_back is not None and KEY in session.info:  # which _after_end handles)
        session.info[KEY] = [entry for entry in session.info[KEY] if not _inside(entry[0], rolled_back)]


def _after_end(session: Session, transaction: SessionTransaction) -> None:
    """The transaction is over: committed (its actions ran just before), rolled back or closed."""
    if transaction.parent is None:
        session.info.pop(KEY, None)


def init_outbox() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
        event.listen(Session, "after_transaction_end", _after_end)
