"""The after-commit outbox (common/outbox.py) around savepoints: SQLAlchemy reports a savepoint's release as
a commit and its rollback as a rollback, and neither may run or drop what the transaction deferred."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from fantasy.auth.models import User
from fantasy.common.outbox import defer
from fantasy.extensions import db


def user(name: str) -> User:
    return User(username=name, username_key=name, email=f"{name}@example.com", email_key=f"{name}@example.com",
                password_hash="x")


@pytest.fixture
def session(app):
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # the transaction is open
        yield db.session()  # the Session itself, as object_session() hands it to the hooks
        db.session.rollback()


def test_actions_run_after_the_outermost_commit_only(session):
    ran = []
    defer(session, lambda: ran.append("outer"))
    with session.begin_nested():
        defer(session, lambda: ran.append("released savepoint"))
    assert ran == []  # a savepoint's release is not the commit
    session.commit()
    assert ran == ["outer", "released savepoint"]


def test_a_savepoint_rollback_drops_only_what_was_deferred_inside_it(session):
    ran = []
    defer(session, lambda: ran.append("before"))
    outer = session.begin_nested()
    defer(session, lambda: ran.append("outer savepoint"))
    with session.begin_nested():
        defer(session, lambda: ran.append("inner, released"))
    outer.rollback()
    defer(session, lambda: ran.append("after"))
    session.commit()
    assert ran == ["before", "after"]


def test_a_failed_flush_in_a_savepoint_keeps_the_transactions_actions(session):
    """As `ensure_draft` does when a concurrent request created the same row."""
    ran = []
    session.add(user("first"))
    session.flush()
    defer(session, lambda: ran.append("kept"))
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            defer(session, lambda: ran.append("dropped"))
            session.add(user("first"))
            session.flush()
    session.commit()
    assert ran == ["kept"]


def test_a_rollback_drops_everything(session):
    ran = []
    defer(session, lambda: ran.append("outer"))
    with session.begin_nested():
        defer(session, lambda: ran.append("released savepoint"))
    session.rollback()
    session.commit()
    assert ran == []


def test_closing_the_session_drops_what_its_transaction_deferred(session):
    """A worker or CLI command reuses its session: a closed transaction's actions must not run at the next
    commit."""
    ran = []
    defer(session, lambda: ran.append("closed"))
    session.close()
    session.execute(text("SELECT 1"))
    defer(session, lambda: ran.append("next"))
    session.commit()
    assert ran == ["next"]
