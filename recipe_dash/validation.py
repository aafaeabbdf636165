"""Check options before any work starts, with messages that name the option, its range and the value.

Every public function with options calls these first, so a typo fails in a millisecond with
"min_share must be between 0 and 1, got 1.5" instead of minutes later, deep in a check.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

from recipe_dash.errors import OptionError

MAX_SEED = 2**32 - 1  # numpy and scikit-learn both accept seeds in [0, 2**32 - 1]


def check_number(
    name: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
    why: str = "",
) -> None:
    """`value` is a finite number (an int when `integer`) within [low, high]; open ends exclude the bound.

    `why` is appended in parentheses, e.g. "thumbnails are 16x16".
    """
    kind = "an integer" if integer else "a number"
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if not is_number or (integer and not float(value).is_integer()) or not math.isfinite(float(value)):  # type: ignore[arg-type]
        raise OptionError(f"{name} must be {kind}{_because(why)}, got {value!r}.")
    number = float(value)  # type: ignore[arg-type]
    too_low = low is not None and (number <= low if low_open else number < low)
    too_high = high is not None and (number >= high if high_open else number > high)
    if too_low or too_high:
        raise OptionError(f"{name} must be {_range(low, high, low_open, high_open)}{_because(why)}, got {value!r}.")


def check_seed(value: object) -> None:
    """A seed numpy's and scikit-learn's generators both accept."""
    check_number("seed", value, low=0, high=MAX_SEED, integer=True)


def check_folder(name: str, value: object) -> None:
    """None, or a path given as text or a `pathlib.Path`."""
    if value is not None and not isinstance(value, str | Path):
        raise OptionError(f"{name} must be a folder path (str or pathlib.Path) or None, got {value!r}.")


def check_flag(name: str, value: object) -> None:
    """True or False, not a truthy stand-in ("no" or 0 would silently mean the opposite)."""
    if not isinstance(value, bool):
        raise OptionError(f"{name} must be True or False, got {value!r}.")


def check_callback(name: str, value: object) -> None:
    """None, or something to call (a progress hook)."""
    if value is not None and not callable(value):
        raise OptionError(f"{name} must be a function or None, got {value!r}.")


def check_choice(name: str, value: object, choices: Iterable[str]) -> None:
    """`value` is one of `choices` (listed sorted in the message)."""
    options = sorted(choices)
    if value not in options:
        raise OptionError(f"Unknown {name} {value!r}. Choose one of: {', '.join(options)}.")


def check_order(low_name: str, low: float, high_name: str, high: float) -> None:
    """Two thresholds that must not cross, such as a warning level below a failure level."""
    if low > high:
        raise OptionError(f"{low_name} must not exceed {high_name}, got {low_name}={low!r} and {high_name}={high!r}.")


def _range(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        if not low_open and not high_open:
            return f"between {_shown(low)} and {_shown(high)}"
        return f"in {'(' if low_open else '['}{_shown(low)}, {_shown(high)}{')' if high_open else ']'}"
    if low is not None:
        return f"{'greater than' if low_open else 'at least'} {_shown(low)}"
    assert high is not None, "a range needs a bound"
    return f"{'less than' if high_open else 'at most'} {_shown(high)}"


def _shown(bound: float) -> str:
    """Whole bounds in full (4294967295, not 4.29497e+09), others short."""
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


def _because(why: str) -> str:
    return f" ({why})" if why else ""
