"""The draft: one per league and race; order, turns, picks, clock and autopick (§7)."""
