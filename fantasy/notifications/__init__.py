"""In-app notifications and the live event stream (§9)."""
