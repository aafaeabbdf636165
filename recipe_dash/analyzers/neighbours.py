"""The nearest samples of a sample, in the space the outlier check scores it in (labels not used).

A reviewer judging an outlier needs to see what it is closest to: a photo among digits has digits
as its nearest neighbours, but far away; a rare but genuine writing style has close ones. The index
is built once per analysis (a page caches it) and answers one sample at a time with one pass over
the matrix, never all pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from recipe_dash.analyzers._models import model_input
from recipe_dash.io.dataset import Dataset

NEIGHBOUR_COLUMNS = ["sample_id", "distance", "relative"]


@dataclass(frozen=True)
class NeighbourIndex:
    """The outlier check's matrix (robust-scaled features), searchable by sample id."""

    search: Any  # a fitted sklearn NearestNeighbors (brute force: one BLAS pass per question)
    matrix: np.ndarray
    sample_ids: np.ndarray
    typical: float  # median distance of a sample to its nearest neighbour, to read distances against

    def nearest(self, sample_id: str, *, k: int = 6) -> pd.DataFrame:
        """The k nearest other samples: sample_id, distance, relative (distance / the typical nearest distance)."""
        rows = np.flatnonzero(self.sample_ids == sample_id)
        if not len(rows) or len(self.matrix) < 2:
            return pd.DataFrame(columns=NEIGHBOUR_COLUMNS)
        distances, found = self.search.kneighbors(self.matrix[rows[:1]], n_neighbors=min(k + 1, len(self.matrix)))
        keep = found[0] != rows[0]
        distances, found = distances[0][keep][:k], found[0][keep][:k]
        return pd.DataFrame(
            {"sample_id": self.sample_ids[found], "distance": distances, "relative": distances / self.typical}
        )


def neighbour_index(dataset: Dataset, features: pd.DataFrame, *, reference: int = 200, seed: int = 0) -> NeighbourIndex:
    """Build the index; the typical nearest distance comes from `reference` sampled rows."""
    from sklearn.neighbors import NearestNeighbors  # a second to import; only this page's evidence needs it

    inputs = model_input(dataset, features)  # leaking columns kept out, as the outlier check does
    matrix = np.asarray(inputs.matrix, dtype=np.float32)
    ids = dataset.samples["sample_id"].astype(str).to_numpy()[inputs.rows]
    search = NearestNeighbors(algorithm="brute").fit(matrix)
    typical = 1.0
    if len(matrix) > 1:
        picked = np.random.default_rng(seed).choice(len(matrix), size=min(reference, len(matrix)), replace=False)
        distances, _ = search.kneighbors(matrix[picked], n_neighbors=2)
        typical = float(np.median(distances[:, 1])) or 1.0
    return NeighbourIndex(search=search, matrix=matrix, sample_ids=ids, typical=typical)
