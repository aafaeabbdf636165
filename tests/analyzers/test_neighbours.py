"""The gallery's "nearest neighbours" evidence: planted outliers are far from everything, ordinary samples are not."""

from __future__ import annotations

import numpy as np
import pytest

from recipe_dash.analyzers.neighbours import neighbour_index
from tests.analyzers._planted import Planted, digits, table  # noqa: F401 (fixtures)


@pytest.mark.parametrize("sample", ["table", "digits"])
def test_planted_outliers_are_far_from_their_nearest_and_ordinary_samples_are_not(
    sample: str, request: pytest.FixtureRequest
) -> None:
    planted: Planted = request.getfixturevalue(sample)
    index = neighbour_index(planted.dataset, planted.features)
    outliers = sorted(planted.ids("outlier") & set(index.sample_ids))
    assert outliers, "the sample has planted outliers with a feature vector"
    ordinary = [s for s in index.sample_ids[:: max(1, len(index.sample_ids) // 60)] if s not in planted.ids("outlier")]
    far = [index.nearest(s, k=3)["relative"].iloc[0] for s in outliers]
    near = [index.nearest(s, k=3)["relative"].iloc[0] for s in ordinary]
    assert np.median(far) > 2 * np.median(near)
    found = index.nearest(outliers[0], k=3)
    assert len(found) == 3 and outliers[0] not in set(found["sample_id"]) and found["distance"].is_monotonic_increasing
    assert index.nearest("no such sample").empty
