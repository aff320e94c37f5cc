"""Admin-only operations."""
