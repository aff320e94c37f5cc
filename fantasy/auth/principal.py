"""Who a request speaks for: the user id and admin flag a valid token stands for, without the user's row."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """Who a valid token speaks for, without the row (`auth.tokens.current_user` loads the row)."""

    id: int
    is_admin: bool
