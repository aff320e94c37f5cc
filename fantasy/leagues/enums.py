"""The leagues' vocabulary, free of any import: the models' columns, and what drafts, scoring and schemas
share without loading the models."""
import enum


class LeagueMode(str, enum.Enum):
    live = "live"
    replay = "replay"


class Visibility(str, enum.Enum):
    private = "private"
    public = "public"


class DraftMethod(str, enum.Enum):
    snake = "snake"
    sequential = "sequential"


class OrderStrategy(str, enum.Enum):
    rotation = "rotation"
    reverse_standings = "reverse_standings"
    random = "random"
    manual = "manual"


class LeagueFormat(str, enum.Enum):
    draft = "draft"
    salary_cap = "salary_cap"


SALARY_CAP_RULESET = "f1_fantasy_2025"  # the official game's points (§13): the only ruleset of the format


class LeagueRole(str, enum.Enum):
    member = "member"
    manager = "manager"
    owner = "owner"

    @property
    def rank(self) -> int:
        return ("member", "manager", "owner").index(self.value)
