"""What drafts listen to: a deactivated user's teams stop drafting at once, running drafts included (§7)."""
from fantasy.auth.events import user_deactivated
from fantasy.drafts.turns import skip_departed


def _deactivated(user_id: int, **_) -> None:
    skip_departed(user_id=user_id)


def subscribe() -> None:
    # blinker ignores a second connect of the same receiver, so every create_app() may call this.
    user_deactivated.connect(_deactivated)
