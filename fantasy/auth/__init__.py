"""Accounts, tokens and rate-limited authentication (§5)."""
