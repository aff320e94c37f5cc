"""Signals of the market: a season's round prices were stored (notifications tell the teams holding them)."""
from blinker import Namespace

_signals = Namespace()

# Sent after the commit of newly stored rounds' prices: prices_stored.send(season, rounds=[round, ...]).
prices_stored = _signals.signal("prices-stored")
