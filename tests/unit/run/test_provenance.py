"""The package versions every report records: each package that shapes released bytes."""

from __future__ import annotations

from ldsa.run.render import package_versions


def test_versions_name_every_package_that_shapes_the_release() -> None:
    """Numbers (numpy, pandas, scipy, statsmodels), figures (matplotlib), the store (pyarrow,
    duckdb), the run (papermill, nbconvert) and the workbooks (xlsxwriter), each with a
    version, as the footer of every report shows them."""
    versions = package_versions()
    for name in ("numpy", "pandas", "scipy", "statsmodels", "matplotlib", "pyarrow", "duckdb",
                 "papermill", "nbconvert", "xlsxwriter", "ldsa", "python"):  # fmt: skip
        assert versions.get(name, "").strip(), name
