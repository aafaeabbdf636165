"""One self-contained HTML file for the team: the dataset, each check's verdict and worst examples, the model
checks and runs, and every review decision. It opens anywhere, offline (see `_html`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from recipe_dash import jobs
from recipe_dash.analyzers.health import health_table
from recipe_dash.analyzers.results import StoredResult, latest_results
from recipe_dash.errors import DataError
from recipe_dash.evidence import VERDICT_WORDS
from recipe_dash.io import Dataset
from recipe_dash.io.thumbnails import thumbnails
from recipe_dash.plots import class_count_chart, curves_figure
from recipe_dash.plots.report import check_figures
from recipe_dash.review import _html as h
from recipe_dash.review.decisions import decision_text, history
from recipe_dash.review.manifest import cleaned_manifest, manifest_summary
from recipe_dash.review.runs import runs_overview
from recipe_dash.review.states import disagreements
from recipe_dash.review.status import ReviewStatus, progress_by_check, progress_by_reviewer, review_status
from recipe_dash.store import Store
from recipe_dash.training import runs as training_runs

WORST_SHOWN = 8  # examples per check
CURVES_SHOWN = 6  # newest runs drawn together


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, read from the store once."""

    dataset: Dataset
    results: dict[str, StoredResult]
    status: ReviewStatus
    manifest: pd.DataFrame
    model_checks: dict[str, Any] | None  # the newest finished model-checks job's result
    runs: pd.DataFrame  # review.runs.RUN_COLUMNS
    curves: pd.DataFrame  # metrics of the newest runs


def gather_report(store: Store, dataset_id: int, dataset: Dataset) -> ReportData:
    results = latest_results(store, dataset_id)
    status = review_status({k: v.result for k, v in results.items()}, history(store, dataset_id))
    checks = [j for j in jobs.list_jobs(store, kind="model_checks", dataset_id=dataset_id) if j.status == "done"]
    runs = runs_overview(store, dataset_id)
    shown = runs["run_id"].head(CURVES_SHOWN).astype(int).tolist()
    return ReportData(
        dataset=dataset,
        results=results,
        status=status,
        manifest=cleaned_manifest(dataset, status),
        model_checks=checks[0].result if checks else None,
        runs=runs,
        curves=training_runs.metrics_frame(store, shown) if shown else pd.DataFrame(),
    )


def render_report(data: ReportData) -> str:
    """The report as one HTML document."""
    dataset = data.dataset
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = [
        f"<h1>Review report · {h.escape(dataset.name)}</h1>",
        f"<p class='muted'>{h.escape(dataset.source)} · generated {when} by recipe-dash</p>",
        _summary(data),
        *(_check_section(name, stored, data) for name, stored in _worst_first(data.results)),
        _model_section(data),
        _review_section(data),
    ]
    return h.page(f"Review report · {dataset.name}", "\n".join(body))


def write_report(path: Path, data: ReportData) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_report(data), encoding="utf-8")
    except OSError as err:
        raise DataError(f"Cannot write the report to '{path}': {err.strerror or err}.") from None
    return path


def _summary(data: ReportData) -> str:
    dataset = data.dataset
    classes = ", ".join(dataset.class_names[:20]) + (" …" if len(dataset.class_names) > 20 else "")
    facts = (
        f"<p>{dataset.kind.capitalize()} dataset: <b>{dataset.n_samples:,}</b> samples, "
        f"<b>{len(dataset.class_names)}</b> classes ({h.escape(classes)}), "
        f"splits {h.escape(', '.join(dataset.splits))}.</p>"
    )
    if not data.results:
        return facts + "<p class='muted'>No data check has run on this dataset yet.</p>"
    health = health_table(data.results)
    progress = progress_by_check(data.status).set_index("check")
    rows = "".join(
        f"<tr><td><a href='#check-{h.escape(r.check)}'>{h.escape(r.check)}</a></td><td>{h.badge(r.verdict)}</td>"
        f"<td>{r.findings:,}</td><td>{_progress_text(progress, r.check)}</td><td>{h.escape(r.summary)}</td></tr>"
        for r in health.itertuples()
    )
    head = "".join(f"<th>{name}</th>" for name in ("check", "verdict", "findings", "reviewed", "summary"))
    table = f"<table><tr>{head}</tr>{rows}</table>"
    return "<h2>Dataset</h2>" + facts + h.figures([class_count_chart(dataset)]) + "<h2>Checks</h2>" + table


def _progress_text(progress: pd.DataFrame, check: str) -> str:
    if check not in progress.index:
        return "nothing to review"
    row = progress.loc[check]
    decided, findings, disputed = int(row["decided"]), int(row["findings"]), int(row["disputed"])
    return f"{decided:,} of {findings:,} decided" + (f", {disputed:,} disputed" if disputed else "")


def _worst_first(results: dict[str, StoredResult]) -> list[tuple[str, StoredResult]]:
    order = list(health_table(results)["check"])
    return [(name, results[name]) for name in order]


def _check_section(name: str, stored: StoredResult, data: ReportData) -> str:
    result = stored.result
    parts = [
        f"<h2 id='check-{h.escape(name)}'>{h.escape(name.replace('_', ' ').capitalize())} "
        f"{h.badge(result.verdict, VERDICT_WORDS[result.verdict])}</h2>",
        f"<p>{h.escape(result.summary)}</p>",
        f"<p class='muted small'>Analyzed {stored.created_at:%Y-%m-%d %H:%M} UTC · "
        f"{len(result.findings):,} findings</p>",
        h.figures(check_figures(name, result.details, data.dataset)),
    ]
    findings = data.status.findings
    worst = findings[findings["analyzer"] == name].sort_values("score", ascending=False, kind="stable")
    worst = worst.drop_duplicates("subject").head(WORST_SHOWN)
    if len(worst):
        parts.append(f"<h3>Worst {len(worst)} of {len(result.findings):,}</h3>")
        parts.append(_examples(worst, data.dataset))
    return "\n".join(parts)


def _examples(worst: pd.DataFrame, dataset: Dataset) -> str:
    """Thumbnails with the issue and the team's decision, or the findings as a table for tables."""
    decided = worst["outcome"].fillna("open") + worst["reviewer"].map(lambda r: f" ({r})" if isinstance(r, str) else "")
    if dataset.kind != "image" or worst["sample_id"].isna().all():
        shown = worst[["sample_id", "issue_type", "score", "group", "detail"]].assign(review=decided.to_numpy())
        return h.table(shown.round({"score": 3}))
    ids = [s for s in worst["sample_id"] if not pd.isna(s)]
    previews = dict(zip(ids, thumbnails([dataset.image_path(s) for s in ids], size=96), strict=True))
    cards = []
    for row, review in zip(worst.itertuples(), decided, strict=True):
        preview = previews.get(row.sample_id)
        caption = (
            f"<b>{h.escape(row.issue_type)}</b> · {row.score:.2f}<br>{h.escape(row.sample_id)}<br>"
            f"<span class='muted'>{h.escape(row.detail)}</span><br>review: {h.escape(review)}"
        )
        cards.append(h.card(preview.path if preview else None, str(preview.error if preview else ""), caption))
    return f"<div class='grid'>{''.join(cards)}</div>"


def _model_section(data: ReportData) -> str:
    parts = ["<h2>Model checks and runs</h2>"]
    if data.model_checks:
        checks = pd.DataFrame(data.model_checks["checks"])
        rows = "".join(
            f"<tr><td>{h.escape(c.name)}</td><td>{h.badge(c.verdict, VERDICT_WORDS.get(c.verdict))}</td>"
            f"<td>{h.escape(c.evidence)}</td></tr>"
            for c in checks.itertuples()
        )
        parts.append(f"<p>Model <code>{h.escape(data.model_checks.get('model', ''))}</code>:</p>")
        parts.append(f"<table><tr><th>check</th><th>verdict</th><th>evidence</th></tr>{rows}</table>")
    else:
        parts.append("<p class='muted'>No model checks have run on this dataset.</p>")
    if data.runs.empty:
        parts.append("<p class='muted'>No training runs on this dataset.</p>")
        return "\n".join(parts)
    runs = data.runs.assign(created_at=data.runs["created_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M}"))
    parts.append(h.table(runs.round({"val_loss": 4, "value": 4, "low": 4, "high": 4})))
    if not data.curves.empty:
        labels = {int(r.run_id): f"run {r.run_id} ({r.data})" for r in data.runs.head(CURVES_SHOWN).itertuples()}
        parts.append(h.figures([curves_figure(data.curves, labels)]))
    return "\n".join(parts)


def _review_section(data: ReportData) -> str:
    status = data.status
    summary = manifest_summary(data.manifest, status)
    parts = [
        "<h2>Review</h2>",
        f"<p>{len(status.history):,} decisions by {status.history['reviewer'].nunique() if len(status.history) else 0} "
        f"reviewer(s) on {len(status.states):,} subjects; {summary['unreviewed_findings']:,} findings still open, "
        f"{summary['disputed_subjects']:,} disputed, {len(status.resolved):,} resolved by a re-run.</p>",
        f"<p>Cleaned manifest: <b>{summary['keep']:,}</b> kept, <b>{summary['drop']:,}</b> dropped, "
        f"<b>{summary['relabel']:,}</b> relabelled.</p>",
        "<h3>Progress per check</h3>",
        h.table(_percent(progress_by_check(status), "share_decided"), empty="No findings to review."),
        "<h3>Progress per reviewer</h3>",
        h.table(_timestamps(progress_by_reviewer(status.history), "last_decision"), empty="Nobody has decided yet."),
        "<h3>Open disagreements</h3>",
        h.table(_decisions(disagreements(status.states)), empty="None."),
        "<h3>Current decisions</h3>",
        h.table(_decisions(status.states), empty="No decisions yet."),
        "<h3>Dropped and relabelled samples</h3>",
        h.table(data.manifest[data.manifest["action"] != "keep"], empty="None."),
    ]
    if len(status.history):
        shown = status.history[["id", "kind", "analyzer", "issue_type", "sample_id", "seq", "based_on"]].assign(
            decision=[_outcome(r) for r in status.history.itertuples()],
            reviewer=status.history["reviewer"],
            comment=status.history["comment"],
        )
        parts.append(
            f"<details><summary>Full history ({len(shown):,} decisions)</summary>"
            f"{h.table(_timestamps(shown.assign(created_at=status.history['created_at']), 'created_at'))}</details>"
        )
    return "\n".join(parts)


def _decisions(states: pd.DataFrame) -> pd.DataFrame:
    what = [s if isinstance(s, str) else g for s, g in zip(states["sample_id"], states["group_key"], strict=True)]
    members = states["members"].map(lambda m: ", ".join(m) if isinstance(m, list) else "")
    frame = pd.DataFrame(
        {
            "kind": states["kind"],
            "check": states["analyzer"],
            "issue": states["issue_type"],
            "about": [w if isinstance(w, str) else m for w, m in zip(what, members, strict=True)],
            "decision": states["outcome"],
            "by": states["reviewer"],
            "comment": states["comment"],
            "decisions": states["n_decisions"],
            "disagreement": states["sides"],
            "when": states["created_at"],
        }
    )
    return _timestamps(frame, "when")


def _outcome(row: Any) -> str:
    return decision_text(row.decision, row.label if isinstance(row.label, str) else None)


def _percent(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.assign(**{column: frame[column].map(lambda v: f"{v:.0%}")})


def _timestamps(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    if column not in frame or frame.empty:
        return frame
    return frame.assign(**{column: pd.to_datetime(frame[column], utc=True).dt.strftime("%Y-%m-%d %H:%M:%S")})
