"""Signals other domains subscribe to: an account was deactivated."""
from blinker import Namespace

_signals = Namespace()

# user_deactivated.send(user_id), after the commit: the user's teams stop drafting (drafts/subscriptions.py).
user_deactivated = _signals.signal("user-deactivated")
