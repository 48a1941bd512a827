"""Check the import-linter contracts in pyproject.toml against the source tree.

The repository maps its top-level folders into one package (`cockpit.sources` is `sources/`,
and so on). import-linter walks a package's own folder, so it cannot see that mapping in an
editable install; this assembles the package as a wheel would lay it out, in a temporary
folder, and runs the contracts there. Usage: `.venv/bin/python scripts/lint_imports.py`.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def assemble(target: Path) -> None:
    """Copy every mapped folder to where its package name puts it (sources/ → cockpit/sources)."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        mapping = tomllib.load(handle)["tool"]["setuptools"]["package-dir"]
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package, folder in sorted(mapping.items(), key=lambda item: item[0].count(".")):
        shutil.copytree(ROOT / folder, target / package.replace(".", os.sep), ignore=ignore,
                        dirs_exist_ok=True)


def main() -> int:
    from importlinter.cli import lint_imports

    with tempfile.TemporaryDirectory(prefix="cockpit-lint-") as tmp:
        assemble(Path(tmp))
        sys.path.insert(0, tmp)
        # An editable install's finder would answer for `cockpit` first, from the source tree.
        sys.meta_path[:] = [f for f in sys.meta_path
                            if not str(getattr(f, "__module__", "")).startswith("__editable__")]
        for name in [m for m in sys.modules if m == "cockpit" or m.startswith("cockpit.")]:
            del sys.modules[name]
        # import-linter puts the working folder first on sys.path; the source tree's own
        # `cockpit/` must not shadow the assembled one.
        os.chdir(tmp)
        return lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)


if __name__ == "__main__":
    sys.exit(main())
