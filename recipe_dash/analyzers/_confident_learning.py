"""Confident learning (Northcutt, Jiang & Chuang, JAIR 2021), written from the paper's equations.

Out-of-fold predicted probabilities are noisy in scale, so the method never trusts one number:
a sample counts as "confidently class j" only if its probability for j reaches the average
probability that samples *labelled* j get for j (the per-class threshold t_j). Counting given label
vs confident class gives the confident joint C; calibrated to the class counts and normalised it
estimates the joint Q of (given label, true label). The off-diagonal mass of Q is the noise rate, and
for each pair (given i, true j) the n * Q[i, j] samples labelled i that most prefer j are the issues.

Why it is written here and not taken from cleanlab, the reference implementation: cleanlab is
licensed AGPL-3.0, which is incompatible with this project's MIT licence (a dependency would bind
every user of recipe-dash to the AGPL). No code is copied from cleanlab: this module is written from
the paper's equations, and its tests check it against hand-worked numbers, simulated noise of a
known rate and the planted label flips of the bundled samples.

Names: n samples, K classes, P (n, K) out-of-fold probabilities, y (n,) given label codes 0..K-1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ConfidentLearning:
    """What the method estimates; arrays are aligned with the rows of P."""

    thresholds: np.ndarray  # (K,) per-class confidence threshold t_j
    confident_joint: np.ndarray  # (K, K) int counts: rows given label, columns confident true label
    joint: np.ndarray  # (K, K) calibrated joint Q, sums to 1
    is_issue: np.ndarray  # (n,) bool, pruned by noise rate and disagreeing with the model's argmax
    suspected: np.ndarray  # (n,) int, the most likely other class (the pruning pair for issues)
    self_confidence: np.ndarray  # (n,) P[i, y_i], the label-quality score

    @property
    def noise_rate(self) -> float:
        """Estimated share of samples whose given label is not their true label."""
        return float(1.0 - np.trace(self.joint))

    def class_noise_rates(self) -> np.ndarray:
        """Per given class, the estimated share of its samples that belong elsewhere."""
        row = self.joint.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(row > 0, 1.0 - np.diag(self.joint) / row, 0.0)


def confident_learning(
    pred_probs: np.ndarray, labels: np.ndarray, counted: np.ndarray | None = None
) -> ConfidentLearning:
    """Estimate the noise joint from the `counted` samples (default all) and judge every sample.

    Copies of one sample should be counted once, or a duplicated sample weighs twice in the joint;
    the counted samples are pruned by noise rate, the others (copies) are issues when they fall in
    an off-diagonal cell of the confident joint. Every class must occur among the counted labels.
    """
    P = np.asarray(pred_probs, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    n, K = P.shape
    counted = np.ones(n, dtype=bool) if counted is None else np.asarray(counted, dtype=bool)
    counts = np.bincount(y[counted], minlength=K)
    assert counts.min() > 0, "every class needs at least one labelled sample"
    thresholds = np.bincount(y[counted], weights=P[counted, y[counted]], minlength=K) / counts
    confident, has_confident = _confident_class(P, thresholds)
    confident_joint = np.zeros((K, K), dtype=np.int64)
    in_joint = counted & has_confident
    np.add.at(confident_joint, (y[in_joint], confident[in_joint]), 1)
    joint = _calibrate(confident_joint, counts)
    others = np.where(np.eye(K, dtype=bool)[y], -np.inf, P)
    suspected = others.argmax(axis=1)
    is_issue = ~counted & has_confident & (confident != y)
    suspected[is_issue] = confident[is_issue]
    pruned, pair = _prune_by_noise_rate(P[counted], y[counted], joint, int(counted.sum()))
    is_issue[counted] = pruned
    suspected[np.flatnonzero(counted)[pruned]] = pair[pruned]
    is_issue &= P.argmax(axis=1) != y  # the model's own best guess must disagree with the label
    return ConfidentLearning(thresholds, confident_joint, joint, is_issue, suspected, P[np.arange(n), y])


def _confident_class(P: np.ndarray, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per sample, the most probable class among those reaching their threshold, and whether any does."""
    above = thresholds[None, :] - 1e-12 <= P
    return np.asarray(np.where(above, P, -1.0).argmax(axis=1)), np.asarray(above.any(axis=1))


def _calibrate(confident_joint: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Rescale each row of C to its class count (eq. 2 of the paper), then normalise to a joint."""
    row = confident_joint.sum(axis=1, keepdims=True).astype(np.float64)
    # A class with no confident sample keeps all its mass on the diagonal: no evidence of noise.
    calibrated = np.where(row > 0, confident_joint / np.maximum(row, 1.0), np.eye(len(counts)))
    calibrated = calibrated * counts[:, None]
    return np.asarray(calibrated / calibrated.sum(), dtype=np.float64)


def _prune_by_noise_rate(P: np.ndarray, y: np.ndarray, joint: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """For every pair (i, j), flag the round(n * Q[i, j]) samples labelled i with the largest P_j - P_i."""
    K = P.shape[1]
    is_issue = np.zeros(n, dtype=bool)
    pair = np.full(n, -1, dtype=np.int64)
    margin_of_pick = np.full(n, -np.inf)
    for i in range(K):
        members = np.flatnonzero(y == i)
        for j in range(K):
            n_prune = round(n * joint[i, j]) if i != j else 0
            if n_prune == 0 or len(members) == 0:
                continue
            margin = P[members, j] - P[members, i]
            top = members[np.argsort(-margin, kind="stable")[:n_prune]]
            better = margin[np.searchsorted(members, top)] > margin_of_pick[top]
            is_issue[top] = True
            pair[top[better]] = j
            margin_of_pick[top[better]] = margin[np.searchsorted(members, top[better])]
    return is_issue, pair
