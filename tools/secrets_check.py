"""Fail when detect-secrets finds anything that looks like a secret in the plugin (the QGIS plugin repository
scans uploads with it and refuses what it flags): `make lint` runs it on the folder that is packaged.

    python tools/secrets_check.py lis_workbench
"""

from __future__ import annotations

import json
import subprocess
import sys


def main(folder: str) -> int:
    # scanned from inside the folder: given a path elsewhere, detect-secrets 1.5 silently scans nothing
    scan = subprocess.run([sys.executable, "-m", "detect_secrets", "scan", "--all-files", "."], cwd=folder,
                          capture_output=True, text=True, check=True)
    found = json.loads(scan.stdout)["results"]
    for path, hits in found.items():
        for hit in hits:
            print(f"{folder}/{path}:{hit['line_number']}: looks like a secret ({hit['type']})")
    if not found:
        print(f"detect-secrets: nothing that looks like a secret in {folder}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "lis_workbench"))
