"""One race-wide notification chunk (issue 17): the per-team figures (`race_figures`) and the whole delivery
(recipients, figures, one multi-row INSERT with delivery keys, the commit, the live events) of
LEAGUES_PER_STATEMENT leagues, for the last scored round of a generated dataset, so every team's figures
cover the whole season. The rows are deleted after each repetition.

    python bench/generate.py --teams 10000 && python bench/notify_chunk.py --repeat 3
"""
import argparse
import statistics

from _env import log, make_app, timed


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    app = make_app()
    from sqlalchemy import delete, select

    from fantasy.drafts.models import Draft, DraftState
    from fantasy.extensions import db
    from fantasy.f1data.models import Race
    from fantasy.notifications import service
    from fantasy.notifications.models import Notification
    from fantasy.scoring.standings import race_figures

    timings: dict[str, list[float]] = {"figures": [], "delivery": []}
    with app.app_context():
        scored = (Draft.state == DraftState.scored)
        race_id, round_ = db.session.execute(select(Draft.race_id, Race.round).join(Race, Race.id == Draft.race_id)
                                             .where(scored).order_by(Race.round.desc()).limit(1)).one()
        leagues = db.session.scalars(select(Draft.league_id).where(Draft.race_id == race_id, scored)
                                     .order_by(Draft.league_id).limit(service.LEAGUES_PER_STATEMENT)).all()
        log(f"round {round_}: {len(leagues)} leagues")
        for repetition in range(args.repeat):
            lap: dict[str, float] = {}
            with timed("figures", lap):
                teams = len(race_figures(race_id, leagues))
            db.session.rollback()
            token = f"bench{repetition}"
            with timed("delivery", lap):
                stored = service.deliver("scores_corrected", {"race_id": race_id, "league_ids": leagues,
                                                              "token": token})
            log(f"{teams} teams' figures, {stored} notifications stored")
            db.session.execute(delete(Notification).where(Notification.delivery_key.like(f"%:{token}")))
            db.session.commit()
            for label, seconds in lap.items():
                timings[label].append(seconds)
    medians = {label: statistics.median(values) for label, values in timings.items()}
    log(f"medians of {args.repeat}: " + ", ".join(f"{label} {seconds:.3f} s" for label, seconds in medians.items()))
    return medians


if __name__ == "__main__":
    main()
