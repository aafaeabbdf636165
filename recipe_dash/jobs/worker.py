"""`python -m recipe_dash.jobs.worker JOB_ID --db URL`: runs one job outside the Streamlit process."""

from __future__ import annotations

import argparse

from recipe_dash import jobs
from recipe_dash.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("job_id", type=int)
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of the store")
    args = parser.parse_args()
    store = open_store(args.db)
    try:
        jobs.run_job(store, args.job_id)
    finally:
        jobs.dispatch(store)  # this worker's slot is free: start the next queued job, if any


if __name__ == "__main__":
    main()
