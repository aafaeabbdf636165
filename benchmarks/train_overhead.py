"""What the instrumentation of a run costs, against a bare PyTorch loop on the same model and data.

    python benchmarks/train_overhead.py [--epochs 10] [--repeats 5] [--threads 1]

Bare: a plain loop (shuffle, forward, cross-entropy, backward, Adam step, loss.item(); a validation
pass per epoch). Instrumented: the run's own path (`fit` with a RunRecorder and a JobContext: every
step's metrics batched into the store, validation losses to Parquet each epoch, progress and stop
polling), while another process polls the store like the Train page does (every 1.5 s: runs list,
curve, per-sample losses, prediction dynamics). Same CNN, the bundled digits, same seed.

The end-of-epoch pass that scores every training sample (`sample_losses`, on by default) is a feature,
not instrumentation: it is off in the instrumented run, and its price is measured on its own, as the
same instrumented run with the pass on over the one without it.

Runs alternate (bare, instrumented, instrumented with per-sample losses, ...). Reported: wall-clock
time, and CPU time (the training process, all its threads, plus the polling process), each as the
ratio of the fastest runs: on a shared machine other people's load only ever adds time, so the
minimum is the least disturbed measurement. The median of the per-repeat ratios is printed too.
Target: instrumented / bare < 1.05.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from recipe_dash.settings import SAMPLE_DATA

POLL_SECONDS = 1.5  # as app_pages/_train_widgets.POLL_SECONDS
TARGET = 1.05  # instrumented / bare
Timing = tuple[float, float]  # (wall, CPU) seconds


def bare_loop(model: torch.nn.Module, data: Any, *, epochs: int, batch_size: int, seed: int) -> Timing:
    """(wall, CPU) seconds of a plain PyTorch loop with a validation pass per epoch."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-4)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(data.x_train), generator=generator)
        running = 0.0
        for lo in range(0, len(order), batch_size):
            index = order[lo : lo + batch_size]
            loss = F.cross_entropy(model(data.x_train[index]), data.y_train[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            running += loss.item()
        model.eval()
        with torch.no_grad():
            F.cross_entropy(model(data.x_val), data.y_val).item()
    return time.perf_counter() - wall, time.process_time() - cpu


def instrumented(
    model: torch.nn.Module, data: Any, *, epochs: int, batch_size: int, seed: int, dataset_id: int, sample_losses: bool
) -> Timing:
    """(wall, CPU) seconds of the same training through a run's recorder, the store polled meanwhile;
    `sample_losses` adds the end-of-epoch pass over the training split."""
    from recipe_dash import jobs
    from recipe_dash.jobs import JobContext
    from recipe_dash.store import open_store
    from recipe_dash.training.config import TrainConfig
    from recipe_dash.training.loop import fit, n_batches
    from recipe_dash.training.recording import RunRecorder
    from recipe_dash.training.runs import create_run

    store = open_store()
    config = TrainConfig(epochs=epochs, batch_size=batch_size, seed=seed, sample_losses=sample_losses)
    job_id = jobs.create_job(store, "train", config.to_dict(), dataset_id)
    run_id = create_run(
        store, job_id=job_id, dataset_id=dataset_id, config=config, summary={"tracked_ids": list(data.ids_val[:16])}
    )
    context = JobContext(store=store, job_id=job_id, kind="train", config=config.to_dict(), dataset_id=dataset_id)
    recorder = RunRecorder(
        store, run_id, data, total_steps=n_batches(len(data.x_train), batch_size) * epochs, context=context
    )
    spawn = multiprocessing.get_context("spawn")
    ready, stop, poll_cpu = spawn.Event(), spawn.Event(), spawn.Value("d", 0.0)
    poller = spawn.Process(target=poll_like_the_page, args=(store.url, run_id, ready, stop, poll_cpu), daemon=True)
    poller.start()
    if not ready.wait(timeout=120):  # the page's process is up before training starts, as in the dashboard
        raise RuntimeError("the polling process did not start")
    wall, cpu = time.perf_counter(), time.process_time()
    fit(
        model,
        data.x_train,
        data.y_train,
        epochs=epochs,
        batch_size=batch_size,
        lr=3e-4,
        seed=seed,
        val=(data.x_val, data.y_val),
        recorder=recorder,
        sample_losses=sample_losses,
    )
    recorder.close()  # the run is not over until its last rows are in the store
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    stop.set()
    poller.join(timeout=30)
    return wall, cpu + poll_cpu.value


def poll_like_the_page(url: str, run_id: int, ready: Any, stop: Any, poll_cpu: Any) -> None:
    """Read what the Train page reads, every POLL_SECONDS; report the CPU seconds spent polling."""
    from recipe_dash.store import open_store
    from recipe_dash.training import runs

    store = open_store(url)
    ready.set()
    spent = 0.0
    while not stop.is_set():
        started = time.process_time()
        runs.list_runs(store)
        runs.metrics_frame(store, [run_id])
        runs.read_sample_losses(run_id)
        summary = runs.get_run(store, run_id).summary  # type: ignore[union-attr]
        runs.tracked_predictions(run_id, summary.get("tracked_ids", []))
        spent += time.process_time() - started
        stop.wait(POLL_SECONDS)
    poll_cpu.value = spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads; 1 keeps timings steady on a shared 2-core machine"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.environ.setdefault("RECIPE_DASH_HOME", tempfile.mkdtemp(prefix="train-overhead-"))

    from recipe_dash import workspace
    from recipe_dash.store import open_store
    from recipe_dash.training.data import prepare_data
    from recipe_dash.training.models import build_model, resolve_model

    dataset_id, dataset = workspace.open_dataset(open_store(), Path(SAMPLE_DATA / "digits"))
    data = prepare_data(dataset)

    def fresh() -> torch.nn.Module:
        return build_model(
            resolve_model("cnn"),
            data.input_shape,
            data.n_classes,
            seed=0,
            example=data.x_train,
            device=torch.device("cpu"),
        )

    bare_loop(fresh(), data, epochs=1, batch_size=args.batch_size, seed=0)  # warm-up: allocator, kernels
    print(
        f"digits: {len(data.y_train)} train / {len(data.y_val)} val, CNN, {args.epochs} epochs of batch "
        f"{args.batch_size}, {torch.get_num_threads()} torch thread(s), CPU, load average {os.getloadavg()[0]:.1f}"
    )
    bares: list[Timing] = []
    recordeds: list[Timing] = []
    scoreds: list[Timing] = []  # instrumented, with the end-of-epoch per-sample pass
    for repeat in range(args.repeats):
        bares.append(bare_loop(fresh(), data, epochs=args.epochs, batch_size=args.batch_size, seed=0))
        for sample_losses, timings in ((False, recordeds), (True, scoreds)):
            timings.append(
                instrumented(
                    fresh(),
                    data,
                    epochs=args.epochs,
                    batch_size=args.batch_size,
                    seed=0,
                    dataset_id=dataset_id,
                    sample_losses=sample_losses,
                )
            )
        (bare_wall, bare_cpu), (wall, cpu), (scored_wall, scored_cpu) = bares[-1], recordeds[-1], scoreds[-1]
        print(
            f"repeat {repeat + 1}: bare {bare_wall:.2f} s wall / {bare_cpu:.2f} s CPU, instrumented "
            f"{wall:.2f} / {cpu:.2f}, with per-sample losses {scored_wall:.2f} / {scored_cpu:.2f}: "
            f"instrumentation {wall / bare_wall:.3f} wall, {cpu / bare_cpu:.3f} CPU; "
            f"per-sample pass {scored_wall / wall:.3f} wall, {scored_cpu / cpu:.3f} CPU"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    comparisons = (  # label, timings over timings, judged against the target
        ("instrumentation, instrumented / bare", recordeds, bares, True),
        ("price of the per-sample losses feature (not instrumentation), pass on / off", scoreds, recordeds, False),
    )
    for label, over, under, judged in comparisons:
        for i, what in enumerate(("wall-clock", "CPU time")):
            fastest, median = ratios(over, under, i)
            verdict = f" {'PASS' if fastest < TARGET else 'FAIL'} (target < {TARGET}; " if judged else " ("
            print(f"{label}, {what}: {fastest:.3f}{verdict}median of ratios {median:.3f})")


def ratios(over: list[Timing], under: list[Timing], i: int) -> tuple[float, float]:
    """Ratio of the fastest runs, and the median of the per-repeat ratios, of timing `i` (0 wall, 1 CPU)."""
    fastest = min(t[i] for t in over) / min(t[i] for t in under)
    median = statistics.median(o[i] / u[i] for o, u in zip(over, under, strict=True))
    return fastest, median


if __name__ == "__main__":
    main()
