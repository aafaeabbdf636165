"""The training commands are tested on the training tests' small datasets."""

from tests.training.conftest import shapes_folder, table_file  # noqa: F401 - fixtures
