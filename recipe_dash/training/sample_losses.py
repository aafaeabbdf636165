"""Data findings meet training: are the samples the inspection flagged the ones the model finds hardest?

Takes a run's per-sample losses (one epoch) and a findings frame (sample_id, issue_type, ...); for
each issue type, how many flagged samples fall in the top `top_fraction` of losses, the lift over
chance, and the AUC of "loss" as a detector of that issue (0.5 = no better than chance).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recipe_dash.store import Store

TOP_FRACTION = 0.1  # "highest loss" = the top 10% of the split's losses
COLUMNS = ("issue_type", "n_flagged", "n_in_top", "share_in_top", "lift", "auc")


def loss_vs_findings(
    losses: pd.DataFrame, findings: pd.DataFrame, *, split: str = "train", top_fraction: float = TOP_FRACTION
) -> pd.DataFrame:
    """One row per issue type among the split's samples, most loss-aligned issue first."""
    scored = losses[losses["split"].astype(str) == split].dropna(subset=["loss"]).reset_index(drop=True)
    flagged = findings.dropna(subset=["sample_id"])[["sample_id", "issue_type"]].astype("string").drop_duplicates()
    if scored.empty or flagged.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    ranks = scored["loss"].rank(method="average").to_numpy()
    n_top = max(1, round(top_fraction * len(scored)))
    in_top = ranks > len(scored) - n_top
    sample_ids = scored["sample_id"].astype("string")
    rows = []
    for issue, members in flagged.groupby("issue_type"):
        is_flagged = sample_ids.isin(set(members["sample_id"])).to_numpy()
        n_flagged = int(is_flagged.sum())
        if n_flagged == 0:
            continue
        n_in_top = int((is_flagged & in_top).sum())
        share = n_in_top / n_flagged
        rows.append(
            {
                "issue_type": str(issue),
                "n_flagged": n_flagged,
                "n_in_top": n_in_top,
                "share_in_top": share,
                "lift": share / (n_top / len(scored)),
                "auc": _auc(ranks, is_flagged),
            }
        )
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return table.sort_values("auc", ascending=False, na_position="last").reset_index(drop=True)


def highest_loss_samples(
    losses: pd.DataFrame, findings: pd.DataFrame, *, split: str = "train", n: int = 24
) -> pd.DataFrame:
    """The split's `n` highest-loss samples with their label, prediction and findings (comma-joined)."""
    scored = losses[losses["split"].astype(str) == split].dropna(subset=["loss"])
    top = scored.nlargest(n, "loss")[["sample_id", "label", "predicted", "loss"]].reset_index(drop=True)
    issues: dict[str, set[str]] = {}
    for sample_id, issue in findings.dropna(subset=["sample_id"])[["sample_id", "issue_type"]].itertuples(index=False):
        issues.setdefault(str(sample_id), set()).add(str(issue))
    top["findings"] = [", ".join(sorted(issues.get(str(s), ()))) for s in top["sample_id"]]
    return top


def summary_sentence(table: pd.DataFrame, *, top_fraction: float = TOP_FRACTION) -> str:
    """The one line a user reads first: which issue the losses point at, if any."""
    if table.empty:
        return "No flagged samples in this split to compare with the losses."
    best = table.iloc[0]
    verdict = "are among" if best["lift"] >= 2 else "are not clearly among"
    return (
        f"'{best['issue_type']}' samples {verdict} the highest losses: {best['n_in_top']} of {best['n_flagged']} "
        f"in the top {top_fraction:.0%} ({best['lift']:.1f}x chance, AUC {best['auc']:.2f})."
    )


def _auc(ranks: np.ndarray, positive: np.ndarray) -> float:
    """Mann-Whitney AUC from loss ranks: chance that a flagged sample has a higher loss than an unflagged one."""
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def stored_findings(store: Store, dataset_id: int) -> pd.DataFrame:
    """Every finding the data inspection stored for the dataset (empty before it ran)."""
    from recipe_dash.analyzers import findings_table, latest_results

    return findings_table({name: stored.result for name, stored in latest_results(store, dataset_id).items()})
