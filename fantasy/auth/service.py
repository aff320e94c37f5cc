"""Account use cases: register, sign in, tokens, profile, password, admin bootstrap and deactivation."""
import logging
from datetime import datetime
from functools import lru_cache

from flask import current_app
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from fantasy.auth import families, tokens
from fantasy.auth.events import user_deactivated
from fantasy.auth.models import Role, TokenFamily, User
from fantasy.common.models import commit_or_conflict
from fantasy.common.schemas import case_key
from fantasy.errors import Conflict, NotFound, Unauthorized
from fantasy.extensions import db

log = logging.getLogger(__name__)


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash("timing-equaliser-not-a-password", method=method)


def _check_free(username: str | None, email: str | None, exclude_id: int | None = None) -> None:
    errors = {}
    for field, column, value in (("username", User.username_key, username), ("email", User.email_key, email)):
        if value is None:
            continue
        statement = select(User.id).where(column == case_key(value))
        if exclude_id is not None:
            statement = statement.where(User.id != exclude_id)
        if db.session.scalar(statement) is not None:
            errors[field] = [f"This {field} is already taken"]
    if errors:
        raise Conflict("Already taken", errors=errors)


def register(username: str, email: str, password: str, role: Role = Role.user) -> User:
    _check_free(username, email)
    user = User(
        username=username,
        username_key=case_key(username),
        email=email,
        email_key=case_key(email),
        password_hash=_hash(password),
        role=role,
    )
    db.session.add(user)
    commit_or_conflict("Username or email already taken")
    log.info("user registered", extra={"user_id": user.id})
    return user


def authenticate(login: str, password: str) -> dict:
    """A token pair for valid credentials; unknown user, wrong password and inactive look alike."""
    user = db.session.scalars(User.by_login(login)).first()
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        raise Unauthorized("Invalid credentials")
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        raise Unauthorized("Invalid credentials")
    return tokens.issue_pair(user)


def login_limit_key(login: str) -> str:
    """The login rate-limit bucket: one per account, whether it is named by username or email."""
    user_id = db.session.scalar(User.by_login(login).with_only_columns(User.id))
    return f"account:{user_id}" if user_id is not None else f"login:{User.login_key(login)}"


def refresh(user: User, refresh_claims: dict) -> dict:
    return tokens.rotate(user, refresh_claims)


def logout(claims: dict) -> None:
    families.revoke(claims["fam"])


def logout_everywhere(user: User) -> None:
    tokens.revoke_all(user)
    db.session.commit()


def delete_expired_families(now: datetime) -> int:
    """Families whose last refresh token has expired (the daily cleanup): every token of theirs is dead."""
    deleted = db.session.execute(delete(TokenFamily).where(TokenFamily.expires_at < now)).rowcount
    db.session.commit()
    return deleted


def update_profile(user: User, data: dict) -> User:
    _check_free(data.get("username"), data.get("email"), exclude_id=user.id)
    if "username" in data:
        user.username = data["username"]
        user.username_key = case_key(data["username"])
    if "email" in data:
        user.email = data["email"]
        user.email_key = case_key(data["email"])
    commit_or_conflict("Username or email already taken")
    return user


def change_password(user: User, current_password: str, new_password: str) -> dict:
    """Change the password, end every session, and hand back a fresh pair for this client."""
    if not check_password_hash(user.password_hash, current_password):
        raise Unauthorized("Current password is wrong")
    user.password_hash = _hash(new_password)
    tokens.revoke_all(user)
    db.session.commit()
    return tokens.issue_pair(user)


def ensure_admin(email: str, password: str, username: str, *, promote: bool | None = None) -> tuple[User, str]:
    """Create the admin account, or make the existing account with this email an admin. Idempotent.

    Whoever registers the admin email first must not become admin by it, so an existing account is
    promoted only when `promote` says so (an operator's explicit choice) or, with `promote` left None,
    when its password is `password` (ownership proven). Returns the user and "created", "promoted" or
    "already present".
    """
    user = db.session.scalars(select(User).where(User.email_key == case_key(email))).first()
    if user is None:
        return register(username, email, password, role=Role.admin), "created"
    if user.role == Role.admin:
        return user, "already present"
    if promote is None:
        promote = check_password_hash(user.password_hash, password)
        if not promote:
            raise Conflict("An account with this email exists and the admin password does not match it: "
                           "not promoting it")
    if not promote:
        raise Conflict("An account with this email exists and is not an admin")
    user.role = Role.admin
    db.session.commit()
    log.warning("user promoted to admin", extra={"user_id": user.id})
    return user, "promoted"


def list_users():
    return select(User).order_by(User.id)


def set_active(actor: User, user_id: int, active: bool) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user")
    if user.id == actor.id and not active:
        raise Conflict("Admins cannot deactivate their own account")
    user.is_active = active
    if not active:
        tokens.revoke_all(user)
    db.session.commit()
    log.info("user active changed", extra={"user_id": user.id, "active": active, "by": actor.id})
    if not active:
        user_deactivated.send(user.id)
    return user
