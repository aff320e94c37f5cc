"""Ruleset presets (§8): which sessions each one scores."""
from fantasy.f1data.models import SessionKind

PRESET_SESSIONS = {
    "standard": frozenset({SessionKind.race, SessionKind.sprint}),
    "inverted": frozenset({SessionKind.race}),
    "fantasy": frozenset({SessionKind.qualifying, SessionKind.sprint, SessionKind.race}),
}


def scored_sessions(ruleset: str) -> frozenset[SessionKind]:
    return PRESET_SESSIONS[ruleset]
