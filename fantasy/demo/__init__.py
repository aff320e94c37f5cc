"""Demo data for the default run: users and a replay league on the stored F1 data."""
