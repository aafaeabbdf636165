"""Streamlit helpers of the training pages: model picker, run settings, and jobs followed live."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from app_pages._widgets import DATASET_KEY, job_failure, store, verdict_badge
from recipe_dash import jobs, plots
from recipe_dash.io import Dataset
from recipe_dash.jobs.progress import describe
from recipe_dash.settings import get_settings
from recipe_dash.store import JobRecord, open_store
from recipe_dash.store.jobs_model import ACTIVE
from recipe_dash.training.builtin_models import builtin_names, default_model
from recipe_dash.training.config import OPTIMIZERS, RUN_KINDS, TrainConfig
from recipe_dash.training.models import AUTO, check_offered, list_model_specs
from recipe_dash.training.sample_losses import stored_findings

POLL_SECONDS = 1.5  # how often a page showing a live job reads the store
KIND_LABELS = {"normal": "Normal", "baseline": "Baseline (zeroed inputs)", "overfit": "Overfit a subset"}
GALLERY_COLUMNS = 8


def dataset_id() -> int:
    return int(st.session_state[DATASET_KEY])


def model_label(spec: str, kind: str) -> str:
    if spec == AUTO:
        return f"auto ({default_model(kind).upper()} for {kind}s)"
    if ":" not in spec:
        return f"{spec} (built-in)"
    path, _, function = spec.rpartition(":")
    return f"{Path(path).name}:{function} ({Path(path).parent.name}/)"


def model_picker(dataset: Dataset, *, key: str) -> str:
    """Built-ins for the data kind and the builders found in the model folders (never an uploaded file)."""
    options = [AUTO, *builtin_names(dataset.kind), *list_model_specs(get_settings().model_dirs)]
    return str(
        st.selectbox(
            "Model",
            options,
            key=key,
            format_func=lambda s: model_label(s, dataset.kind),
            help="Your own models: put file.py with build(input_shape, n_classes) in a model folder "
            "(RECIPE_DASH_MODEL_DIRS).",
        )
    )


def config_inputs(dataset: Dataset, *, key: str) -> TrainConfig:
    """The run settings, with the recipe's defaults (Adam, 3e-4, constant, no augmentation)."""
    kind = st.segmented_control(
        "Run kind",
        RUN_KINDS,
        default="normal",
        required=True,
        key=f"{key}_kind",
        format_func=KIND_LABELS.__getitem__,
        help="Baseline: the same model on zeroed inputs, with the majority class and a linear model as reference "
        "lines. Overfit: the same model on a few samples, regularizers off, until it memorises them.",
    )
    model_col, opt_col, lr_col, batch_col, epochs_col, seed_col = st.columns([4, 2, 2, 2, 2, 2])
    with model_col:
        model = model_picker(dataset, key=f"{key}_model")
    optimizer = opt_col.selectbox("Optimizer", OPTIMIZERS, key=f"{key}_optimizer")
    lr = lr_col.number_input(
        "Learning rate",
        min_value=1e-7,
        max_value=10.0,
        value=3e-4,
        step=1e-4,
        format="%.1e",
        key=f"{key}_lr",
        help="Constant; 3e-4 is the recipe's safe default for Adam.",
    )
    batch_size = batch_col.number_input("Batch size", min_value=1, max_value=4096, value=64, key=f"{key}_batch")
    epochs = epochs_col.number_input(
        "Epochs",
        min_value=1,
        max_value=1000,
        value=10,
        key=f"{key}_epochs",
        disabled=kind == "overfit",
        help="Overfit runs end at their loss floor or step budget instead.",
    )
    seed = seed_col.number_input("Seed", min_value=0, value=0, key=f"{key}_seed")
    overfit = overfit_inputs(key=key) if kind == "overfit" else {}
    input_size: tuple[int, int] | None = None
    excluded: list[str] = []
    if dataset.kind == "image":
        size_col, augment_col = st.columns([1, 3])
        side = size_col.number_input(
            "Input size (px, 0 = most common)", min_value=0, max_value=512, value=0, key=f"{key}_size"
        )
        input_size = (int(side), int(side)) if side else None
        augment = augment_col.toggle(
            "Augmentation (random 2-pixel shifts)",
            value=False,
            key=f"{key}_augment",
            help="Off while building the skeleton; the recipe adds it to regularize.",
        )
    else:
        columns = [str(c) for c in dataset.table.columns if str(c) not in {dataset.label_column, "split"}]
        excluded = st.multiselect(
            "Leave out columns",
            columns,
            key=f"{key}_exclude",
            help="E.g. a column the data inspection flagged as a leak.",
        )
        augment = False
    sample_losses = st.toggle(
        "Score every training sample at each epoch's end",
        value=True,
        key=f"{key}_sample_losses",
        help="One no-grad pass over the training split per epoch (on CPU, for a small CNN, about half the time "
        "of training the epoch). The Highest losses tab needs it.",
    )
    return TrainConfig(
        model=model,
        optimizer=str(optimizer),
        lr=float(lr),
        batch_size=int(batch_size),
        epochs=int(epochs),
        seed=int(seed),
        input_size=input_size,
        augment=augment,
        exclude_columns=tuple(excluded),
        sample_losses=sample_losses,
        kind=str(kind),
        **overfit,
    )


def overfit_inputs(*, key: str) -> dict[str, Any]:
    """An overfit run's subset size, step budget and loss floor (TrainConfig keywords)."""
    samples_col, steps_col, floor_col = st.columns(3)
    samples = samples_col.number_input(
        "Samples to memorise",
        min_value=1,
        max_value=100_000,
        value=64,
        key=f"{key}_samples",
        help="A fixed subset of the training split, classes in rotation; the batch size decides how many steps "
        "one pass takes (64 samples at batch size 64 = one batch).",
    )
    max_steps = steps_col.number_input(
        "Step budget", min_value=1, max_value=100_000, value=1000, key=f"{key}_max_steps"
    )
    floor = floor_col.number_input(
        "Loss floor",
        min_value=1e-6,
        max_value=10.0,
        value=0.01,
        format="%.4f",
        key=f"{key}_floor",
        help="The run stops once one pass over the subset has a mean training loss below this: memorised.",
    )
    return {"overfit_samples": int(samples), "max_steps": int(max_steps), "loss_floor": float(floor)}


def submit(kind: str, config: dict[str, Any]) -> int:
    """Start a worker for a job of this dataset; only built-ins and model-folder files are accepted."""
    check_offered(str(config.get("model", AUTO)), get_settings().model_dirs)
    return jobs.submit(store(), kind, config, dataset_id())


def latest_job(kind: str) -> JobRecord | None:
    """The newest job of a kind for the current dataset (a dead worker is noticed here)."""
    found = jobs.list_jobs(store(), kind=kind, dataset_id=dataset_id())
    return jobs.get_job(store(), found[0].id) if found else None


@st.cache_data(ttl=30, show_spinner=False)
def _findings(db_url: str, of_dataset: int) -> pd.DataFrame:
    return stored_findings(open_store(db_url), of_dataset)


def findings() -> pd.DataFrame:
    """The data inspection's stored findings for this dataset, read at most every 30 s while a page polls."""
    return _findings(get_settings().db_url, dataset_id())


def follow_job(
    kind: str,
    render: Callable[[dict[str, Any]], None],
    *,
    idle: str,
    partial: Callable[[JobRecord], None] | None = None,
) -> None:
    """Show the newest job of a kind: live progress, a Stop button and `partial(job)` (its result so far)
    while it runs, `render(result)` when done."""
    first = latest_job(kind)
    was_active = first is not None and first.status in ACTIVE

    @st.fragment(run_every=POLL_SECONDS if was_active else None)
    def panel() -> None:
        job = latest_job(kind)
        if job is None:
            st.info(idle)
            return
        if was_active and job.status not in ACTIVE:
            st.rerun()  # finished while we polled: redraw the page once, without polling
        job_status(job, key=f"{kind}_{job.id}")
        if job.status in ACTIVE and partial is not None:
            partial(job)
        if job.status == "done" and job.result is not None:
            render(job.result)

    panel()


def job_status(job: JobRecord, *, key: str) -> None:
    """Progress bar and Stop while active; the error of a failed job; nothing when done."""
    if job.status in ACTIVE:
        bar_col, stop_col = st.columns([5, 1])
        place = jobs.queue_place(store(), job) if job.status == "queued" else None
        progress = describe(job, place=place)
        bar_col.progress(progress.fraction, text=progress.text)
        if stop_col.button("Stop", key=f"stop_{key}", icon=":material/stop_circle:"):
            jobs.request_stop(store(), job.id)
            st.toast("Stop requested; the worker stops at its next step.")
    elif job.status == "failed":
        job_failure(job, "Failed: ")
    elif job.status == "cancelled":
        st.warning("Stopped by the user.", icon=":material/stop_circle:")


def image_grid(images: Sequence[np.ndarray], captions: Sequence[str]) -> None:
    """Tensors drawn as images, in rows of GALLERY_COLUMNS so captions of different heights never stagger the rows.
    Files go through `_samples.gallery`, whose thumbnails show any image the checks accept."""
    for start in range(0, len(images), GALLERY_COLUMNS):
        row = zip(
            st.columns(GALLERY_COLUMNS),
            images[start : start + GALLERY_COLUMNS],
            captions[start : start + GALLERY_COLUMNS],
            strict=False,
        )
        for column, image, caption in row:
            column.image(image, width="stretch")
            column.caption(caption)


def show_inputs(summary: dict[str, Any], batch: dict[str, np.ndarray] | None, *, key: str, what: str) -> None:
    """What the net sees: the transform, the validation split, input statistics, and one batch exactly as fed
    (after every transform) with its labels."""
    st.markdown(f"**Transform.** {summary['transform']}  \n**Validation.** {summary['val_source']}")
    for note in summary["notes"]:
        st.warning(note, icon=":material/info:")
    stats = summary["input_stats"]
    verdict_badge(stats["verdict"], label=f"input statistics: {stats['verdict']}")
    st.write(stats["summary"])
    st.dataframe(pd.DataFrame(stats["table"]), hide_index=True, key=f"input_stats_{key}")
    if batch is None:
        st.info("The batch appears once training starts.")
        return
    x, labels, ids = batch["x"], batch["labels"].tolist(), batch["sample_ids"].tolist()
    if x.ndim == 4:
        images, how = plots.batch_images(x)
        st.caption(f"{what}: {len(images)} tensors shaped {tuple(x.shape[1:])}; {how}.")
        image_grid(images, [f"**{label}** · `{sample_id}`" for label, sample_id in zip(labels, ids, strict=True)])
    else:
        names = [row["feature"] for row in stats["table"]]
        frame = pd.DataFrame(x.reshape(len(x), -1), columns=names).assign(label=labels, sample_id=ids)
        st.caption(f"{what}: {len(frame)} rows of {len(names)} encoded features, exactly as fed.")
        st.dataframe(frame.set_index(["sample_id", "label"]), key=f"batch_{key}")
