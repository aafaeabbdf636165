from __future__ import annotations

from pathlib import Path

import pytest
import torch

from recipe_dash.training.models import ModelError, build_model, check_offered, list_model_specs, resolve_model

BUILD = "import torch\n\ndef build(input_shape, n_classes):\n    return torch.nn.Linear(input_shape[0], n_classes)\n"


def test_builtins_and_auto_resolve_by_kind() -> None:
    assert resolve_model("auto", kind="image").spec == "cnn"
    assert resolve_model("auto", kind="table").spec == "mlp"
    assert resolve_model("logistic").spec == "logistic"


def test_a_file_spec_loads_its_function_and_sibling_imports(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("WIDTH = 7\n")
    (tmp_path / "net.py").write_text(
        "import torch\nfrom helpers import WIDTH\n\n"
        "def build(input_shape, n_classes):\n"
        "    return torch.nn.Sequential(torch.nn.Linear(4, WIDTH), torch.nn.Linear(WIDTH, n_classes))\n"
    )
    source = resolve_model(f"{tmp_path / 'net.py'}:build")
    model = build_model(source, (4,), 3, seed=0, example=torch.zeros(2, 4), device=torch.device("cpu"))
    assert model(torch.zeros(5, 4)).shape == (5, 3)


def test_same_seed_same_weights() -> None:
    source = resolve_model("mlp")
    a, b = (build_model(source, (6,), 2, seed=3, example=torch.zeros(2, 6)) for _ in range(2))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nonsense", "is not a model"),
        ("missing_file.py:build", "does not exist"),
        ("tests.training.zoo:nope", "has no function 'nope'"),
        ("no_such_package.module:build", "Cannot import 'no_such_package.module'"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        resolve_model(spec)


def test_a_file_that_fails_to_import_is_a_model_error(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def build(:\n")
    with pytest.raises(ModelError, match=r"Importing .* failed: SyntaxError"):
        resolve_model(f"{tmp_path / 'broken.py'}:build")


def test_dashboard_only_loads_files_inside_model_folders(tmp_path: Path) -> None:
    inside, outside = tmp_path / "models", tmp_path / "elsewhere"
    inside.mkdir(), outside.mkdir()
    (inside / "ok.py").write_text(BUILD)
    (outside / "evil.py").write_text(BUILD)
    assert resolve_model(f"{inside / 'ok.py'}:build", allowed_dirs=[inside]).spec.endswith("ok.py:build")
    with pytest.raises(ModelError, match="outside the model folders"):
        resolve_model(f"{outside / 'evil.py'}:build", allowed_dirs=[inside])
    with pytest.raises(ModelError, match="outside the model folders"):
        check_offered(f"{inside / '..' / 'elsewhere' / 'evil.py'}:build", [inside])
    with pytest.raises(ModelError, match="only loads built-ins and model files"):
        check_offered("tests.training.zoo:huge_init", [inside])
    check_offered("cnn", [inside])


def test_listing_model_specs_reads_files_without_running_them(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    (tmp_path / "a.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n\n"
        "def build(s, n): ...\n\ndef build_wide(s, n): ...\n\ndef helper(): ...\n"
    )
    (tmp_path / "_private.py").write_text("def build(s, n): ...\n")
    (tmp_path / "broken.py").write_text("def build(:\n")
    specs = list_model_specs([tmp_path, tmp_path / "missing"])
    assert [s.rpartition(":")[2] for s in specs] == ["build", "build_wide"]
    assert not marker.exists()


def test_the_bundled_example_models_are_offered() -> None:
    from recipe_dash.settings import get_settings

    assert any(s.endswith("small_cnn.py:build") for s in list_model_specs(get_settings().model_dirs))
