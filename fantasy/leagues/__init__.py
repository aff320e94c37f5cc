"""Leagues, memberships and fantasy teams (§6)."""
