"""The notifications' own signal: a delivery is due, which fantasy.jobs queues on the low queue."""
from blinker import Namespace

_signals = Namespace()

# delivery_due.send(kind, payload=dict, pipeline=None): turn one event into stored notifications and live
# messages in the background; into `pipeline` when given (the sender executes it, with what else it holds).
delivery_due = _signals.signal("delivery-due")
