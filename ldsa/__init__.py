"""ldsa: Local Data Spaces Analysis.

Disclosure-checked Covid reports (mortality, cases and testing, infection survey) for every
English local authority, from a record-level TRE extract, published public files or the
built-in dummy extract.
"""

import os
from importlib.metadata import PackageNotFoundError, version

# One BLAS thread per process unless the user chose otherwise: ldsa's matrices are small and
# a batch runs one worker per core, where threaded BLAS is far slower (on 2 busy cores the
# pseudo-inverse of a 2,088 x 40 design took 98 ms with 2 threads, 2 ms with 1). Set before
# numpy is imported by any ldsa module; a process that imported numpy first keeps its own.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

try:
    __version__ = version("ldsa")
except PackageNotFoundError:  # pragma: no cover  # running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["__version__"]
