"""Every domain's models, imported in one place for Alembic and the shell."""
from fantasy.auth.models import Role, User  # noqa: F401
from fantasy.drafts.models import Draft, Pick, PickQueue  # noqa: F401
from fantasy.f1data.models import (  # noqa: F401
    Circuit,
    Constructor,
    Driver,
    Race,
    RaceSession,
    ResultState,
    Season,
    SeasonConstructor,
    SeasonDriver,
    SessionResult,
)
from fantasy.leagues.models import FantasyTeam, League, LeagueEvent, Membership  # noqa: F401
from fantasy.lineups.models import Lineup, LineupAsset, LineupRound  # noqa: F401
from fantasy.market.models import AssetPrice, PriceLock  # noqa: F401
from fantasy.notifications.models import Notification  # noqa: F401
from fantasy.scoring.models import DriverScore  # noqa: F401
