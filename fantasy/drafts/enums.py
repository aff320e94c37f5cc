"""A draft's states, free of any import: the model's column, and what leagues and scoring share without
loading the models."""
import enum


class DraftState(str, enum.Enum):
    scheduled = "scheduled"
    open = "open"
    complete = "complete"  # every pick made, before the lock
    locked = "locked"      # the weekend's first scored session started (or a replay manager locked it)
    scored = "scored"
    skipped = "skipped"    # live: its lock time passed before it ever opened (the league came too late)
