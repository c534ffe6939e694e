"""Test-wide set-up: keep Jupyter, IPython and matplotlib out of the home folder.

The variables are set when pytest loads this file, before nbval starts any kernel, so the
kernels inherit them too.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_SCRATCH = tempfile.mkdtemp(prefix="mdlib-tests-")
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)

for _var, _sub in {
    "JUPYTER_CONFIG_DIR": "jupyter-config",
    "JUPYTER_DATA_DIR": "jupyter-data",
    "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
    "IPYTHONDIR": "ipython",
    "MPLCONFIGDIR": "matplotlib",
}.items():
    os.environ[_var] = os.path.join(_SCRATCH, _sub)
    os.makedirs(os.environ[_var], exist_ok=True)

# Property-based tests draw the same examples on every run (CI must not flake on a lucky
# draw), and keep no example database in the working tree.
from hypothesis import settings  # noqa: E402

settings.register_profile("course", derandomize=True, database=None, deadline=None)
settings.load_profile("course")
