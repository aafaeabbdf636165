"""A launch's trials, taken one at a time by whichever of its workers is free.

A fixed share per worker left a worker idle once its trials had been pruned, while another still worked
through its own share (14 s of a 45 s study in `benchmarks/tune_scale.py pruning`). Here each worker asks
for one trial at a time; the claim is a conditional UPDATE, atomic on SQLite and PostgreSQL alike, so
however many workers (on however many machines) ask at once, the launch adds exactly its `total`.
"""

from __future__ import annotations

from sqlalchemy import update

from recipe_dash.store import Store
from recipe_dash.store.tuning_model import TuneLaunch


def open_budget(store: Store, study: str, total: int) -> int:
    """Record a launch of `total` trials on `study`; returns its id, which its workers claim from."""
    with store.session() as session, session.begin():
        launch = TuneLaunch(study=study, total=total, claimed=0)
        session.add(launch)
        session.flush()
        return int(launch.id)


def claim_trial(store: Store, launch_id: int) -> bool:
    """Take one of the launch's trials; False once all are taken."""
    with store.session() as session, session.begin():
        taken = session.execute(
            update(TuneLaunch)
            .where(TuneLaunch.id == launch_id, TuneLaunch.claimed < TuneLaunch.total)
            .values(claimed=TuneLaunch.claimed + 1)
        )
        return bool(taken.rowcount)
