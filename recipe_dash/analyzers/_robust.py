"""Robust location and scale (median and interquartile range), written once for every check.

The samples the checks look for (outliers, wild cells) must not set the scale they are measured
by, so the model input, the near-duplicate row join and the outlier scores all centre on the median
and scale by the interquartile range.
"""

from __future__ import annotations

import numpy as np

IQR_TO_STD = 1.349  # interquartile range of a standard normal: IQR / 1.349 estimates its standard deviation


def median_iqr(values: np.ndarray) -> tuple[float, float]:
    """Median and interquartile range of `values` (all finite); (0, 0) when there are none."""
    if values.size == 0:
        return 0.0, 0.0
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return float(median), float(q3 - q1)


def robust_location_scale(values: np.ndarray) -> tuple[float, float]:
    """Median and IQR / 1.349 of the finite `values`, the scale falling back to the standard deviation,
    then to 1: never 0, so dividing by it is always safe."""
    median, iqr = median_iqr(values)
    scale = iqr / IQR_TO_STD
    if not scale > 0:
        scale = float(values.std()) if values.size else 0.0
    return median, scale if scale > 0 else 1.0


def robust_z(values: np.ndarray) -> np.ndarray:
    """Robust z-scores (median 0, robust standard deviation 1); 0 where a value is NaN."""
    finite = ~np.isnan(values)
    median, scale = robust_location_scale(values[finite])
    return np.asarray(np.where(finite, (values - median) / scale, 0.0))
