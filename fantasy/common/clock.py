"""The one clock: every 'now' in the app comes from here so tests can move time."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    """Timezone-aware current UTC time."""
    return datetime.now(timezone.utc)
