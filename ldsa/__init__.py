"""ldsa: Local Data Spaces Analysis.

Disclosure-checked Covid reports (mortality, cases and testing, infection survey) for every
English local authority, from a record-level TRE extract, published public files or the
built-in dummy extract.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ldsa")
except PackageNotFoundError:  # pragma: no cover  # running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["__version__"]
