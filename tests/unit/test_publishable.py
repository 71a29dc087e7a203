"""What the QGIS plugin repository checks before it accepts an upload (issue 14): Bandit and detect-secrets
find nothing in the plugin folder, and each finds what it should in a planted file (so the checks can fail)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BANDIT = Path(sys.executable).with_name("bandit")


def _bandit(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BANDIT), "-q", "-r", str(folder)], capture_output=True, text=True, timeout=300)


def _secrets(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "tools" / "secrets_check.py"), str(folder)],
                          capture_output=True, text=True, timeout=300)


def test_bandit_finds_nothing_in_the_plugin():
    done = _bandit(ROOT / "lis_workbench")
    assert done.returncode == 0, done.stdout


def test_bandit_flags_eval(tmp_path):
    (tmp_path / "bad.py").write_text("def run(text):\n    return eval(text)\n")
    done = _bandit(tmp_path)
    assert done.returncode == 1 and "B307" in done.stdout


def test_no_secrets_in_the_plugin():
    done = _secrets(ROOT / "lis_workbench")
    assert done.returncode == 0, done.stdout


def test_a_planted_key_is_found(tmp_path):
    (tmp_path / "config.py").write_text('KEY = "AKIAZ3MSJV4WMBQTD9QF"\n')  # an AWS access key id's shape
    done = _secrets(tmp_path)
    assert done.returncode == 1 and "AWS Access Key" in done.stdout


def test_one_version_and_one_history():
    """The version lives in metadata.txt only (pyproject reads it); every release the plugin manager lists is in
    CHANGELOG.md, and the licence QGIS's repository asks for is there."""
    from configparser import ConfigParser
    from importlib.metadata import PackageNotFoundError, version

    import lis_workbench

    metadata = ConfigParser(interpolation=None)
    metadata.read(ROOT / "lis_workbench" / "metadata.txt", encoding="utf-8")
    general = metadata["general"]
    assert lis_workbench.__version__ == general["version"]
    try:  # installed by pip on the host; the QGIS 3.44 root puts the work tree on the path instead
        assert version("lis_workbench") == general["version"]
    except PackageNotFoundError:
        pass
    assert '\nversion = "' not in (ROOT / "pyproject.toml").read_text()
    listed = [line.split()[0] for line in general["changelog"].splitlines() if line.strip()]
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert listed and all(f"\n## {v}\n" in changelog for v in listed), listed
    assert general["qgisMinimumVersion"] == "3.22" and general["qgisMaximumVersion"] == "4.99"
    assert "GNU GENERAL PUBLIC LICENSE" in (ROOT / "LICENSE").read_text()
