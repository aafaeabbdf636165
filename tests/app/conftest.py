"""Every page run in these tests is checked: no exception, and so no traceback, ever reaches the browser.

Tests assert what a page shows; this fixture asserts, after every run of every AppTest (a click, a
page switch, a fragment's rerun), that Streamlit rendered no exception element, which is what a
browser would show as a traceback. Our own errors are `st.error` messages, never exceptions.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest


@pytest.fixture(autouse=True)
def no_traceback_reaches_the_browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    shown: list[str] = []
    original = AppTest._run

    def run_and_check(self: AppTest, *args: object, **kwargs: object) -> AppTest:
        result = original(self, *args, **kwargs)
        shown.extend(f"{e.proto.message}\n{''.join(e.stack_trace)}" for e in self.exception)
        return result

    monkeypatch.setattr(AppTest, "_run", run_and_check)
    yield shown
    assert not shown, "a traceback reached the browser:\n" + "\n---\n".join(shown)
