"""Who is a copy of whom: exact twins (same bytes, pixels or row) and near copies, as graph edges.

`find_links` does the expensive search once, up to a radius; `cluster_frame` turns the links into
clusters at any threshold up to that radius in milliseconds (what a UI slider needs). Image near
copies are verified on pixels (`verify`) and joined as stars (`stars`); their edges carry
1 - evidence as the distance, so a threshold on evidence is a radius like the others.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from recipe_dash.analyzers._search.row_index import near_rows, scaled_numeric
from recipe_dash.analyzers._search.stars import star_merges
from recipe_dash.analyzers._search.verify import ABSOLUTE_RESIDUAL, evidence, verify
from recipe_dash.errors import DataError
from recipe_dash.io.columns import content_positions
from recipe_dash.io.dataset import Dataset

FLAT_CONTRAST = 0.01  # images this flat have no content to compare; only exact copies count
MIN_EVIDENCE = 0.2  # the lowest evidence of an image near-copy edge kept (the threshold slider's floor)
CLUSTER_COLUMNS = (
    "cluster",
    "sample_id",
    "label",
    "split",
    "exact_group",
    "exact_kind",
    "near_distance",
    "has_twin",
    "has_near",
    "size",
    "n_splits",
    "n_labels",
)


@dataclass(frozen=True)
class Links:
    """Edges between samples (positions in `dataset.samples`), searched up to `max_distance`."""

    exact_group: np.ndarray  # per sample: id shared by samples with identical bytes/pixels/row
    exact_kind: np.ndarray  # per sample: "bytes", "pixels", "row", or "" when it has no exact twin
    near_left: np.ndarray  # near edges between exact-group representatives ...
    near_right: np.ndarray
    near_distance: np.ndarray  # ... and their distance (1 - evidence, or RMS of scaled differences)
    max_distance: float
    unit: str  # "evidence" (images: verified near copies, higher is surer) or "rms" (tables: scaled jitter)
    skipped: str | None = None  # why the near search was not run (then only exact twins are linked)
    residual_threshold: float | None = None  # images: log10 residual a near copy must stay under
    typical_residual: float | None = None  # images: log10 residual of a typical closest look-alike

    def distance(self, threshold: float) -> float:
        """The edge distance to cut at for a threshold in `unit` (evidence counts up, distances down)."""
        return 1.0 - threshold if self.unit == "evidence" else threshold

    @property
    def loosest(self) -> float:
        """The loosest threshold the search allows, in `unit`."""
        return self.distance(self.max_distance)


def find_links(
    dataset: Dataset,
    features: pd.DataFrame,
    *,
    max_distance: float = 0.0,
    narrower: tuple[float, ...] = (),
) -> Links:
    """Exact twins of every sample, and near copies between distinct ones.

    Images: every verified near copy down to MIN_EVIDENCE. Tables: rows within `max_distance`; where
    that would pair up most rows, the `narrower` radii are tried in turn (widest first) on the same
    scaled rows; `Links.max_distance` is the one searched."""
    if dataset.kind == "image":
        group, kind = _image_exact_groups(features)
        return _image_near(dataset, features, group, kind)
    codes = pd.factorize(features["row_hash"])[0]
    counts = np.bincount(codes)
    kind = np.array(["", "row"])[(counts[codes] > 1).view(np.int8)]  # a take: 3x faster than np.where here
    reps = _representatives(codes)
    values, key = scaled_numeric(dataset.table, content_positions(dataset))
    for radius in (max_distance, *narrower):
        try:
            left, right, distance = near_rows(values, key, radius, rows=reps)
        except DataError as err:  # exact copies are still worth reporting
            refused = str(err)
            continue
        return Links(codes.astype(np.int64), kind, left, right, distance, float(radius), "rms")
    return Links(codes.astype(np.int64), kind, *_no_edges(), float(radius), "rms", skipped=refused)


def cluster_frame(dataset: Dataset, links: Links, *, threshold: float) -> pd.DataFrame:
    """One row per sample that has an exact twin or a near copy within `threshold`, in `links.unit`
    (CLUSTER_COLUMNS).

    `cluster` is shared by every member of a connected group; `near_distance` is the member's
    smallest distance to a near copy (NaN when it only has exact twins).
    """
    cut = links.distance(threshold)
    if cut > links.max_distance + 1e-12:
        raise ValueError(f"threshold {threshold} is beyond the searched range (to {links.loosest:g}); search again")
    within = links.near_distance <= cut
    near_left, near_right = links.near_left[within], links.near_right[within]
    reps = _representatives(links.exact_group)
    star_left = reps[links.exact_group]  # every sample to its group's representative
    # only samples with a twin or a near edge can be in a cluster: the graph holds just those
    twinned = np.bincount(links.exact_group)[links.exact_group] > 1
    has_near = np.zeros(len(links.exact_group), dtype=bool)
    has_near[np.r_[near_left, near_right]] = True  # a mask lookup instead of np.isin, which sorts a million ids
    involved = np.flatnonzero(twinned | has_near[star_left])
    node = np.full(len(links.exact_group), -1, dtype=np.int64)
    node[involved] = np.arange(len(involved))
    n = len(involved)
    graph = coo_matrix(
        (
            np.ones(n + 2 * len(near_left)),
            (
                np.r_[node[star_left[involved]], node[near_left], node[near_right]],
                np.r_[np.arange(n), node[near_right], node[near_left]],
            ),
        ),
        shape=(n, n),
    )
    _, component = connected_components(graph, directed=False)
    sizes = np.bincount(component, minlength=n)
    members = involved[sizes[component] > 1]
    cluster = np.full(len(links.exact_group), -1, dtype=np.int64)
    cluster[involved] = component
    nearest = (
        pd.Series(np.r_[links.near_distance[within], links.near_distance[within]], index=np.r_[near_left, near_right])
        .groupby(level=0)
        .min()
    )
    frame = pd.DataFrame(
        {
            "position": members,
            "cluster": cluster[members],
            "sample_id": dataset.samples["sample_id"].take(members).to_numpy(),
            "label": dataset.samples["label"].take(members).to_numpy(),
            "split": dataset.samples["split"].take(members).to_numpy(),
            "exact_group": links.exact_group[members],
            "exact_kind": links.exact_kind[members],
            "near_distance": nearest.reindex(star_left[members]).to_numpy(),
            "size": sizes[cluster[members]],
        }
    )
    frame["has_twin"] = frame["exact_kind"] != ""
    by_cluster = frame.groupby("cluster")
    frame["has_near"] = by_cluster["exact_group"].transform("nunique").to_numpy() > 1
    frame["n_splits"] = by_cluster["split"].transform("nunique").to_numpy()
    frame["n_labels"] = by_cluster["label"].transform("nunique").to_numpy()
    return frame.set_index("position").sort_values(["cluster", "sample_id"])[list(CLUSTER_COLUMNS)]


def _image_exact_groups(features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Union of same-bytes and same-pixels groups; files that do not decode (say, a hundred copies of
    one Git LFS pointer) are left to the corruption check, not reported as copies."""
    n = len(features)
    sha = features["sha256"].where(features["decode_error"].isna())
    edges = [_star_edges(sha), _star_edges(features["pixel_hash"])]
    left = np.concatenate([e[0] for e in edges])
    right = np.concatenate([e[1] for e in edges])
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    _, group = connected_components(graph, directed=False)
    same_bytes = _has_twin(sha)
    same_pixels = _has_twin(features["pixel_hash"])
    kind = np.where(same_bytes, "bytes", np.where(same_pixels, "pixels", ""))
    return group.astype(np.int64), kind


def _image_near(dataset: Dataset, features: pd.DataFrame, group: np.ndarray, kind: np.ndarray) -> Links:
    """Near copies among exact-group representatives that decoded and are not flat: verified pairs,
    joined as stars. When the typical closest look-alike is already as close as a copy, the dataset
    is mostly one picture and the search says so instead of pairing everything."""
    reps = _representatives(group)
    usable = reps[
        (
            features["decode_error"].isna() & features["gray32"].notna() & (features["contrast"] >= FLAT_CONTRAST)
        ).to_numpy()[reps]
    ]
    if len(usable) < 2:
        return Links(group, kind, *_no_edges(), 1.0 - MIN_EVIDENCE, "evidence")
    thumbs = np.frombuffer(b"".join(features["gray32"].take(usable)), dtype=np.uint8).reshape(len(usable), 32, 32)
    width = features["width"].to_numpy(dtype=np.float64, na_value=1.0)[usable]
    height = features["height"].to_numpy(dtype=np.float64, na_value=1.0)[usable]
    phash = features["phash"].to_numpy(dtype=np.int64, na_value=0)[usable]
    paths = dataset.samples["path"].take(usable).tolist()
    found, verifier = verify(thumbs, phash, width / height, np.minimum(width, height), paths)
    calibration = {"residual_threshold": found.threshold, "typical_residual": found.typical}
    if found.typical is not None and found.typical <= ABSOLUTE_RESIDUAL:  # over half the pictures
        reason = (
            f"most pictures are near copies of another one (a typical picture and its closest look-alike differ "
            f"by a residual of {10**found.typical:.2g} after alignment), so copies cannot be told from the rest"
        )
        return Links(group, kind, *_no_edges(), 1.0 - MIN_EVIDENCE, "evidence", skipped=reason, **calibration)

    def scorer(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return evidence(verifier.gated(left, right), found.threshold)

    left, right, level = star_merges(found.left, found.right, found.evidence, scorer, min_evidence=MIN_EVIDENCE)
    return Links(group, kind, usable[left], usable[right], 1.0 - level, 1.0 - MIN_EVIDENCE, "evidence", **calibration)


def _no_edges() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0)


def _star_edges(keys: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Edges from each member of a same-key group to the group's first member (nulls never match)."""
    codes = pd.factorize(keys)[0]  # -1 for null
    valid = np.flatnonzero(codes >= 0)
    first = pd.Series(valid).groupby(codes[valid]).transform("first").to_numpy()
    return first, valid


def _has_twin(keys: pd.Series) -> np.ndarray:
    """True where another row has the same (non-null) key."""
    twin: np.ndarray = (keys.notna() & keys.duplicated(keep=False)).to_numpy(dtype=bool)
    return twin


def _representatives(group: np.ndarray) -> np.ndarray:
    """First sample of each group; group ids are 0..G-1 (factorize / connected_components), so the
    result also maps a group id to its representative. One pass, no sort."""
    first = np.full(int(group.max()) + 1 if len(group) else 0, len(group), dtype=np.int64)
    np.minimum.at(first, group, np.arange(len(group), dtype=np.int64))
    return first
