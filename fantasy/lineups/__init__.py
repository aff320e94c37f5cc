"""Salary-cap lineups (§13): each team's lineup per round, money, transfers and chips."""
