"""Run the packaged plugin the way users do: unzipped into a fresh QGIS profile, through qgis_process.bin
and the real QGIS desktop under Xvfb. Shared by the e2e tests and `make screenshot`."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ZIP = ROOT / "dist" / "lis_workbench.zip"
DESKTOP_SCRIPT = Path(__file__).with_name("desktop_session.py")


def qgis_env(config_dir: Path) -> dict:
    """Environment for QGIS with its own settings folder (never the user's profile)."""
    env = dict(os.environ)
    env.update(QGIS_CUSTOM_CONFIG_PATH=str(config_dir), XDG_RUNTIME_DIR=f"/tmp/runtime-{os.getuid()}")
    env.pop("QGIS_PLUGINPATH", None)
    env.pop("PYTHONPATH", None)  # QGIS's own Python must find the plugin in the profile, not the source tree
    return env


def build_zip() -> Path:
    """The packaged plugin: dist/lis_workbench.zip, made by `make package`; or the zip LIS_PLUGIN_ZIP names (a
    second QGIS tests the very zip the first one was given, .ci/qgis344/run-suite)."""
    given = os.environ.get("LIS_PLUGIN_ZIP")
    if given:
        return Path(given)
    subprocess.run(["make", "-s", "package"], cwd=ROOT, check=True, capture_output=True, text=True)
    return ZIP


def install_zip(zip_path: Path, config_dir: Path, enable: bool = True) -> Path:
    """Unzip the plugin into config_dir's default profile and (optionally) enable it, as the Plugin Manager does."""
    profile = config_dir / "profiles" / "default"
    plugins = profile / "python" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(plugins)
    ini = profile / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    enabled = "[PythonPlugins]\nlis_workbench=true\n\n" if enable else ""
    ini.write_text(enabled + "[qgis]\ncheckVersion=false\n"
                   "showTips322=false\n\n[UI]\nhidePanelsToolbar=false\n")
    return plugins / "lis_workbench"


def qgis_process(args: list[str], config_dir: Path, timeout: int = 180) -> subprocess.CompletedProcess:
    env = qgis_env(config_dir)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run(["/usr/bin/qgis_process.bin", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def run_desktop(config_dir: Path, store: Path, png: Path, timeout: int = 240) -> dict:
    """Start qgis.bin under Xvfb with the installed plugin, run desktop_session.py, return its JSON report."""
    report = png.with_suffix(".json")
    report.unlink(missing_ok=True)
    env = qgis_env(config_dir)
    env.pop("QT_QPA_PLATFORM", None)
    env.update(LIS_STORE=str(store), LIS_PNG=str(png), LIS_REPORT=str(report))
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", "/usr/bin/qgis.bin", "--nologo",
           "--noversioncheck", "--code", str(DESKTOP_SCRIPT)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if not report.exists():
        raise RuntimeError(f"QGIS wrote no report (exit {proc.returncode}).\n{proc.stdout[-3000:]}\n"
                           f"{proc.stderr[-3000:]}")
    return json.loads(report.read_text())
