"""The built wheel holds every subpackage and stylesheet, and the layering holds in it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
with (ROOT / "pyproject.toml").open("rb") as _handle:
    SETUPTOOLS = tomllib.load(_handle)["tool"]["setuptools"]
SUBPACKAGES = tuple(SETUPTOOLS["packages"])
PACKAGE_DIRS: dict[str, str] = SETUPTOOLS["package-dir"]
# What a build may leave behind in the tree; a wheel built from it could ship stale modules.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "tests", "bench"
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(wheel, target dir): the wheel built from the tree and installed without the source."""
    out = tmp_path_factory.mktemp("wheel")
    # Built from a clean copy: setuptools reuses an in-tree build/ folder, whose leftovers
    # (modules since moved) would end up in the wheel and hide a missing one.
    source = tmp_path_factory.mktemp("source") / "tree"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out),
         str(source)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = out.glob("incident_cockpit-*.whl")
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
         "--disable-pip-version-check", "--target", str(target), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )
    return wheel, target


def run_isolated(target: Path, code: str) -> subprocess.CompletedProcess[str]:
    # -I ignores the source tree, PYTHONPATH and user site; the target dir is added explicitly,
    # after it come the venv's site-packages for the third-party dependencies.
    prelude = f"import sys; sys.path.insert(0, {str(target)!r});"
    return subprocess.run([sys.executable, "-I", "-c", prelude + code], capture_output=True,
                          text=True, timeout=120, cwd=target)


@pytest.mark.slow
def test_wheel_contains_every_subpackage_and_stylesheet(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    for package in SUBPACKAGES:
        assert f"{package.replace('.', '/')}/__init__.py" in names
    assert "cockpit/themes/cockpit.tcss" in names
    assert "cockpit/config/example_config.toml" in names
    assert "cockpit/config/demo_runbooks/api-service.md" in names  # the demo's runbook key
    # Every module in the wheel is one the tree has, where the package mapping puts it.
    for name in (n for n in names if n.endswith(".py")):
        package = max((p for p in PACKAGE_DIRS if name.startswith(p.replace(".", "/") + "/")),
                      key=len)
        relative = name[len(package.replace(".", "/")) + 1:]
        assert (ROOT / PACKAGE_DIRS[package] / relative).is_file(), f"{name} is not in the tree"
    assert not any(n.startswith(("tests/", "sources/", "widgets/")) for n in names)


@pytest.mark.slow
def test_non_editable_install_imports_and_runs(installed: tuple[Path, Path]) -> None:
    _, target = installed
    imports = "; ".join(f"import {p}" for p in SUBPACKAGES)
    code = (
        f"{imports}; import cockpit.app.cockpit_app, cockpit.cli.main,"
        " cockpit.sources.demo.simulation;"
        "from cockpit.themes import stylesheet_path; import os;"
        "assert os.path.exists(stylesheet_path()), stylesheet_path();"
        f"assert cockpit.__file__.startswith({str(target)!r}), cockpit.__file__;"
        "from cockpit.config.schema import example_config_text;"
        "assert '[panels.latency]' in example_config_text();"
        "print('ok')"
    )
    result = run_isolated(target, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.slow
def test_layer_contracts_hold(installed: tuple[Path, Path]) -> None:
    """import-linter's contracts from pyproject.toml, checked against the installed package
    (the setuptools package-dir mapping is only visible to import-linter once installed)."""
    _, target = installed
    code = (
        "import sys; from importlinter.cli import lint_imports;"
        f"sys.exit(lint_imports(config_filename={str(ROOT / 'pyproject.toml')!r}))"
    )
    result = run_isolated(target, code)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken" in result.stdout


def test_headless_modules_never_import_textual() -> None:
    """Sources, the model, config and scheduler run without Textual (snapshot, scripts)."""
    code = (
        "import sys;"
        "import cockpit.core.model, cockpit.config.schema, cockpit.runtime.scheduler;"
        "import cockpit.core.units, cockpit.runtime.snapshot;"
        "import cockpit.sources, cockpit.sources.demo.simulation, cockpit.runtime.wiring;"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'));"
        "heavy = sorted(m for m in ('kubernetes', 'httpx') if m in sys.modules);"
        "print(bad, heavy); sys.exit(1 if bad or heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dashboard_does_not_import_kubernetes_before_the_first_frame() -> None:
    code = (
        "import sys; import cockpit.cli.main, cockpit.app.cockpit_app;"
        "print(sorted(m for m in ('kubernetes', 'httpx') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "kubernetes" not in result.stdout
