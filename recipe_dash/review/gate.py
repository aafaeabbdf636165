"""The CI gate of `recipe-dash analyze`: fail the build on issue types that must not occur, or on rates
above a limit; findings the team's review marked `not an issue` do not count."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from recipe_dash.analyzers import ANALYZERS
from recipe_dash.analyzers.base import Result
from recipe_dash.analyzers.findings import ISSUE_TYPES
from recipe_dash.errors import OptionError
from recipe_dash.validation import check_number


@dataclass(frozen=True)
class Gate:
    """`fail_on`: issue types or checks that must not be found; `limits`: (issue type or check, largest share
    of the samples allowed to have it)."""

    fail_on: tuple[str, ...] = ()
    limits: tuple[tuple[str, float], ...] = ()

    @property
    def checks(self) -> set[str]:
        """The checks the gate needs to have run."""
        return {_check_of(name) for name in (*self.fail_on, *(n for n, _ in self.limits))}

    def __bool__(self) -> bool:
        return bool(self.fail_on or self.limits)


def parse_gate(fail_on: str | None, limits: Iterable[str] = ()) -> Gate:
    """Read `--fail-on leakage,corrupt` and `--max label_noise=0.05` (repeated or comma-separated)."""
    names = tuple(_known(n.strip(), "--fail-on") for n in (fail_on or "").split(",") if n.strip())
    pairs = []
    for item in (part.strip() for text in limits for part in text.split(",")):
        if not item:
            continue
        name, equals, value = item.partition("=")
        if not equals:
            raise OptionError(f"--max takes ISSUE=SHARE, e.g. label_noise=0.05; got '{item}'.")
        try:
            share = float(value)
        except ValueError:
            raise OptionError(f"--max {name.strip()} must be a share between 0 and 1, got '{value}'.") from None
        check_number(f"--max {name.strip()}", share, low=0, high=1)
        pairs.append((_known(name.strip(), "--max"), share))
    return Gate(names, tuple(pairs))


def require_checks(gate: Gate, checks: Iterable[str]) -> None:
    """Refuse a gate on a check that is not going to run: it would pass without having looked."""
    missing = sorted(gate.checks - set(checks))
    if missing:
        raise OptionError(f"The gate needs the check(s) {', '.join(missing)}; add them to --checks or drop the gate.")


def gate_findings(results: Mapping[str, Result]) -> pd.DataFrame:
    """Every finding with its check (`analyzer`), as the gate reads them when no review is given."""
    frames = [r.findings.assign(analyzer=name) for name, r in results.items()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["analyzer", "issue_type"])


def evaluate_gate(gate: Gate, results: Mapping[str, Result], findings: pd.DataFrame, n_samples: int) -> list[str]:
    """One line per violation (empty: the gate passes).

    `findings` has an `analyzer` column (`gate_findings`, or `review_status(...).findings`, whose
    decided `not an issue` rows are left out). A check that could not judge fails the gate for
    the names that need it: a gate must not pass on a check that did not look.
    """
    counted = findings
    if "decision" in findings:
        counted = findings[~((findings["decision"] == "not_an_issue") & (findings["status"] == "decided"))]
    lines = [_unmeasured(name, results) for name in (*gate.fail_on, *(n for n, _ in gate.limits))]
    lines = [line for line in lines if line]
    for name in gate.fail_on:
        hits = counted[_matches(counted, name)]
        if len(hits):
            waived = int(_matches(findings, name).sum()) - len(hits)
            note = f"; {waived} more marked 'not an issue'" if waived else ""
            lines.append(f"{name}: {len(hits)} finding(s) present, none allowed (--fail-on {name}){note}.")
    for name, limit in gate.limits:
        hits = counted[_matches(counted, name)]
        if hits["sample_id"].isna().any():
            raise OptionError(
                f"'{name}' findings are about columns or classes, not samples, so they have no rate: "
                f"gate on them with --fail-on {name}."
            )
        share = hits["sample_id"].nunique() / max(n_samples, 1)
        if share > limit:
            lines.append(
                f"{name}: {hits['sample_id'].nunique()} of {n_samples} samples ({share:.1%}) exceed the limit "
                f"{limit * 100:g}% (--max {name}={limit:g})."
            )
    return lines


def _known(name: str, option: str) -> str:
    if name in ISSUE_TYPES or name in ANALYZERS:
        return name
    known = sorted({*ISSUE_TYPES, *ANALYZERS})
    raise OptionError(f"{option}: unknown issue type or check '{name}'. Choose from: {', '.join(known)}.")


def _check_of(name: str) -> str:
    return name if name in ANALYZERS else ISSUE_TYPES[name]


def _matches(findings: pd.DataFrame, name: str) -> pd.Series:
    column = findings["analyzer"] if name in ANALYZERS else findings["issue_type"]
    return (column == name).fillna(False).astype(bool)


def _unmeasured(name: str, results: Mapping[str, Result]) -> str | None:
    check = _check_of(name)
    result = results.get(check)
    if result is None:
        return f"{name}: the {check} check did not run, so the gate cannot tell."
    if result.verdict == "not_measured" or result.details.skipped:
        return f"{name}: the {check} check could not judge ({result.summary})"
    return None
