"""The structure rules of docs/architecture.md, checked on every `make test`.

- The layer contracts of pyproject.toml (import-linter): kernel <- store, quality, ml <-
  pipelines, apps <- tools.
- One import root: no module patches ``sys.path``, and the apps are imported as ``apps.<module>``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ["kernel", "operational", "quality", "models_ml", "pipelines", "apps", "tools"]
APP_MODULES = sorted(p.stem for p in (REPO / "apps").glob("*.py") if p.stem not in {"Home", "__init__"})


def _python_files() -> list[Path]:
    files = [p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")]
    return files + list((REPO / "tests").glob("*.py")) + list((REPO / "bench").glob("*.py"))


def test_layer_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports)], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_no_module_patches_sys_path() -> None:
    offenders = [
        str(p.relative_to(REPO))
        for p in _python_files()
        if p.name != "test_architecture.py" and re.search(r"sys\.path\.(insert|append)", p.read_text())
    ]
    assert not offenders, offenders


def test_apps_are_imported_through_the_package() -> None:
    bare = re.compile(rf"^\s*(import|from) ({'|'.join(APP_MODULES)}|components)\b", re.M)
    offenders = [str(p.relative_to(REPO)) for p in _python_files() if bare.search(p.read_text())]
    assert not offenders, f"import these as apps.<module>: {offenders}"
