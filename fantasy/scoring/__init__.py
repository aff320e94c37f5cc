"""Scoring rulesets and the scores they give (§8)."""
