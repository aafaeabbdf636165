"""A launch's trial budget: however many workers claim at once, on SQLite or PostgreSQL, exactly `total` win."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from recipe_dash.store import Store
from recipe_dash.tuning.budget import claim_trial, open_budget


def test_concurrent_claims_take_exactly_the_budget(db_url: str) -> None:
    first, second = open_budget(Store(db_url), "s", 40), open_budget(Store(db_url), "s", 3)

    def worker(_: int) -> int:
        store = Store(db_url)  # a connection of its own, as a worker process has
        taken = 0
        while claim_trial(store, first):
            taken += 1
        return taken

    with ThreadPoolExecutor(4) as pool:
        taken = list(pool.map(worker, range(4)))
    assert sum(taken) == 40  # none twice, none lost
    assert not claim_trial(Store(db_url), first)
    assert [claim_trial(Store(db_url), second) for _ in range(4)] == [True, True, True, False]  # budgets are apart
