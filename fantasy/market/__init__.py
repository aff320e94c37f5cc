"""The market (§13): asset prices per season and round, moved by the f1_fantasy_2025 points."""
