"""`pip install .` (not only an editable install) gives a working dashboard: the pages ship with the package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from recipe_dash.settings import PROJECT_ROOT

IGNORED = shutil.ignore_patterns("__pycache__", "*.egg-info")


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_an_installed_copy_serves_every_page_from_its_own_files(tmp_path: Path) -> None:
    wheels, site, source = tmp_path / "wheels", tmp_path / "site", tmp_path / "source"
    source.mkdir()
    for part in ("pyproject.toml", "README.md", "recipe_dash", "app_pages"):  # what the wheel is built from
        if (PROJECT_ROOT / part).is_dir():
            shutil.copytree(PROJECT_ROOT / part, source / part, ignore=IGNORED)
        else:
            shutil.copy(PROJECT_ROOT / part, source / part)
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        ".",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        str(wheels),
        cwd=source,
    )
    (wheel,) = wheels.glob("recipe_dash-*.whl")
    run(sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel), cwd=tmp_path)
    check = textwrap.dedent(f"""
        import app_pages, recipe_dash
        from recipe_dash.cli.dashboard import dashboard_script
        from streamlit.testing.v1 import AppTest
        assert app_pages.__file__.startswith({str(site)!r}), app_pages.__file__
        assert recipe_dash.__file__.startswith({str(site)!r}), recipe_dash.__file__
        script = dashboard_script()
        at = AppTest.from_file(str(script), default_timeout=60).run()
        assert not at.exception, at.exception
        pages = sorted(p.name for p in script.parent.glob("*.py") if not p.name.startswith("_"))
        for page in pages:
            if page != "navigation.py":
                at.switch_page(page).run()
                assert not at.exception, (page, at.exception)
        print(len(pages))
    """)
    env = {**os.environ, "PYTHONPATH": str(site), "RECIPE_DASH_HOME": str(tmp_path / "home")}
    env.pop("RECIPE_DASH_DB", None)
    shown = run(sys.executable, "-c", check, cwd=tmp_path, env=env)
    assert int(shown) >= 15
