"""`make screenshot`: the real QGIS desktop with the plugin installed from the zip and the sample store open."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.e2e.harness import install_zip, run_desktop  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--zip", type=Path, required=True)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--png", type=Path, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as config:
        install_zip(args.zip, Path(config))
        report = run_desktop(Path(config), args.store.resolve(), args.png.resolve())
    if "error" in report:
        sys.exit(f"The desktop session failed:\n{report['error']}")
    print(f"Saved {args.png} ({report['listed']} indicators listed, layer of {report['layer_features']} areas)")


if __name__ == "__main__":
    main()
