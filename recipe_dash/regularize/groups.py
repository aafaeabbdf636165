"""A Regularize study is a group of ordinary training runs launched together and read together.

Each member is a `train` job whose config carries a `group` tag ({id, study, label, role, value}); it waits
in the worker pool like any run, records its curve like any run, and shows on the Train page. The group is
nothing but its members' tags, so no table of its own holds it and a worker needs nothing new to run it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from recipe_dash import jobs
from recipe_dash.errors import OptionError
from recipe_dash.store import JobRecord, Store
from recipe_dash.store.jobs_model import ACTIVE
from recipe_dash.store.training_model import RunRecord
from recipe_dash.training.config import TrainConfig
from recipe_dash.training.runs import TRAIN_JOB

STUDIES = ("learning_curve", "sweep", "augment", "ensemble", "pretrain")
REFERENCE = "reference"  # the run the others are compared with (unregularized, from scratch, 100%)


@dataclass(frozen=True)
class Member:
    """One run of a plan: its settings, the name it goes by, and the number it stands for (a fraction, a
    dropout rate) when it has one."""

    label: str
    config: TrainConfig
    role: str = "variant"
    knob: str = ""  # the setting this member changes ("dropout", "train_fraction"), "" for the reference
    value: float | None = None


@dataclass(frozen=True)
class Plan:
    study: str
    members: tuple[Member, ...]
    notes: tuple[str, ...] = ()  # what the plan chose and why (variants left out, values picked)


@dataclass(frozen=True)
class MemberState:
    """A member as it stands: its job, its run once a worker created it, and the run's summary so far."""

    label: str
    role: str
    knob: str
    value: float | None
    job_id: int
    status: str
    progress: float  # 0..1
    message: str
    error: str | None
    run_id: int | None
    config: dict[str, Any]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def final(self) -> dict[str, Any] | None:
        """Eval-mode scores of the run's final model ({"train": ..., "val": ...}), once it finished."""
        return self.summary.get("final") if self.status == "done" else None


@dataclass(frozen=True)
class Group:
    id: str
    study: str
    created_at: datetime
    members: tuple[MemberState, ...]
    notes: tuple[str, ...] = ()  # what the plan chose and why

    @property
    def active(self) -> bool:
        return any(m.status in ACTIVE for m in self.members)

    @property
    def progress(self) -> float:
        """The members' mean progress: each run counts the same, whatever its length."""
        return sum(m.progress for m in self.members) / len(self.members)

    def progress_text(self) -> str:
        counts: dict[str, int] = {}
        for member in self.members:
            counts[member.status] = counts.get(member.status, 0) + 1
        order = ("done", "running", "queued", "failed", "cancelled")
        parts = [f"{counts[s]} {s}" for s in order if counts.get(s)]
        return f"{len(self.members)} runs: " + ", ".join(parts)

    def reference(self) -> MemberState | None:
        return next((m for m in self.members if m.role == REFERENCE), None)


def launch(store: Store, dataset_id: int, plan: Plan, *, start: bool = True) -> str:
    """Queue every member as a training job tagged with a new group id; the pool starts as many as it has
    slots for (`start=False` only queues them, for a caller that runs them itself). Returns the group id."""
    if plan.study not in STUDIES:
        raise OptionError(f"Unknown study {plan.study!r}. Choose one of: {', '.join(STUDIES)}.")
    group_id = f"{plan.study}-{uuid.uuid4().hex[:10]}"
    for member in plan.members:
        tag = {
            "id": group_id,
            "study": plan.study,
            "label": member.label,
            "role": member.role,
            "knob": member.knob,
            "value": member.value,
            "notes": list(plan.notes),
        }
        jobs.create_job(store, TRAIN_JOB, member.config.to_dict() | {"group": tag}, dataset_id)
    if start:
        jobs.dispatch(store)
    return group_id


def list_groups(store: Store, dataset_id: int, *, study: str | None = None) -> list[Group]:
    """The dataset's groups (of one study, when given), newest first."""
    found: dict[str, list[tuple[JobRecord, RunRecord | None]]] = {}
    for job, run in _tagged_jobs(store, dataset_id):
        tag = job.config["group"]
        if study is None or tag.get("study") == study:
            found.setdefault(tag["id"], []).append((job, run))
    groups = [_group(group_id, pairs) for group_id, pairs in found.items()]
    return sorted(groups, key=lambda g: (g.created_at, g.id), reverse=True)


def read_group(store: Store, dataset_id: int, group_id: str) -> Group:
    pairs = [(job, run) for job, run in _tagged_jobs(store, dataset_id) if job.config["group"]["id"] == group_id]
    if not pairs:
        raise OptionError(f"No group '{group_id}' on this dataset. Its runs may have been made on another dataset.")
    return _group(group_id, pairs)


def latest_group(store: Store, dataset_id: int, study: str) -> Group | None:
    groups = list_groups(store, dataset_id, study=study)
    return groups[0] if groups else None


def stop_group(store: Store, group: Group) -> None:
    """Stop every member still queued or running; finished runs stay as they are."""
    for member in group.members:
        if member.status in ACTIVE:
            jobs.request_stop(store, member.job_id)


def _tagged_jobs(store: Store, dataset_id: int) -> list[tuple[JobRecord, RunRecord | None]]:
    """Training jobs of the dataset that carry a group tag, oldest first, with their run (if created yet).

    The tag lives in the job's JSON config, read here rather than filtered in SQL, so the same code serves
    SQLite and PostgreSQL; a dataset has hundreds of runs, not millions.
    """
    query = (
        select(JobRecord, RunRecord)
        .outerjoin(RunRecord, RunRecord.job_id == JobRecord.id)
        .where(JobRecord.kind == TRAIN_JOB, JobRecord.dataset_id == dataset_id)
        .order_by(JobRecord.id)
    )
    with store.session() as session:
        pairs = session.execute(query).all()
    tagged = []
    for job, run in pairs:
        if not isinstance(job.config.get("group"), dict):
            continue
        if job.status in ACTIVE:  # notices a worker that died, and lets a queue move on
            job = jobs.get_job(store, job.id) or job
        tagged.append((job, run))
    return tagged


def _group(group_id: str, pairs: list[tuple[JobRecord, RunRecord | None]]) -> Group:
    members = []
    for job, run in pairs:
        tag = job.config["group"]
        config = {k: v for k, v in job.config.items() if k != "group"}
        members.append(
            MemberState(
                label=str(tag.get("label", f"job {job.id}")),
                role=str(tag.get("role", "variant")),
                knob=str(tag.get("knob", "")),
                value=tag.get("value"),
                job_id=job.id,
                status=job.status,
                progress=1.0 if job.status == "done" else (min(job.done / job.total, 1.0) if job.total else 0.0),
                message=job.message or "",
                error=job.error,
                run_id=run.id if run is not None else None,
                config=config,
                summary=dict(run.summary) if run is not None else {},
            )
        )
    tag = pairs[0][0].config["group"]
    return Group(
        id=group_id,
        study=str(tag["study"]),
        created_at=pairs[0][0].created_at,
        members=tuple(members),
        notes=tuple(tag.get("notes", [])),
    )
