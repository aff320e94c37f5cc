"""The notifications' own signals: a delivery is due, a drain of the batched ones is, which fantasy.jobs queues on
the low queue."""
from blinker import Namespace

_signals = Namespace()

# delivery_due.send(kind, payload=dict, pipeline=None): turn one event into stored notifications and live
# messages in the background; into `pipeline` when given (the sender executes it, with what else it holds).
delivery_due = _signals.signal("delivery-due")
# drain_due.send(): the per-pick deliveries waiting in Redis need a drain job (batch.py says when).
drain_due = _signals.signal("drain-due")
