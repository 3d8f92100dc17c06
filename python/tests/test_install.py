# SPDX-License-Identifier: Apache-2.0
"""test_install.py - `pip install ./python` works offline (into a venv that sees Debian's packages) and the
installed package reads a store; done on a copy so the source tree gets no build leftovers."""

import os
import shutil
import subprocess
import sys

PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_pip_install_then_read(store, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(PKG, src, ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=300)
    py = str(venv / "bin" / "python")
    p = subprocess.run([py, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps", "--no-index",
                        str(src)], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    code = ("import sys, metaflow_c; assert metaflow_c.__file__.startswith(sys.prefix), metaflow_c.__file__; "
            "print(metaflow_c.__version__, metaflow_c.Flow('BranchFlow', datastore_root=sys.argv[1])"
            ".latest_successful_run['join'].task.data.total)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    p = subprocess.run([py, "-c", code, store.root], capture_output=True, text=True, cwd=str(tmp_path), env=env,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    import metaflow_c
    assert p.stdout.split() == [metaflow_c.__version__, "3"]
