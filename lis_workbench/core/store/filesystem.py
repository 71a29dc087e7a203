"""Whether a store file lives on a network drive (SMB/CIFS or NFS on Linux and macOS; a mapped network drive or
a UNC path on Windows), where SQLite's locking is only as good as the network's: `lis store info` says so."""

from __future__ import annotations

import os
import sys

NETWORK_TYPES = {"cifs": "SMB/CIFS", "smb3": "SMB/CIFS", "smbfs": "SMB/CIFS", "nfs": "NFS", "nfs4": "NFS",
                 "fuse.sshfs": "SSHFS", "afs": "AFS", "ceph": "CephFS", "glusterfs": "GlusterFS",
                 "9p": "9P", "davfs": "WebDAV", "fuse.rclone": "rclone"}


def network_filesystem(path: str, mounts: str | None = None) -> str | None:
    """The kind of network filesystem holding `path` (e.g. "SMB/CIFS"), or None for a local disk. `mounts` is the
    text of /proc/self/mounts (read when not given)."""
    full = os.path.abspath(path)
    if sys.platform == "win32" and mounts is None:
        return _windows_network(full)
    if full.startswith("\\\\"):
        return "Windows share (UNC path)"
    if mounts is None:
        try:
            with open("/proc/self/mounts", encoding="utf-8", errors="replace") as table:
                mounts = table.read()
        except OSError:
            return None
    full = os.path.realpath(full) if os.path.exists(full) else full
    best, kind = "", None
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        if (full == point or full.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, kind = point, parts[2]
    return NETWORK_TYPES.get(kind or "")


def _windows_network(full: str) -> str | None:
    if full.startswith("\\\\"):
        return "Windows share (UNC path)"
    import ctypes

    drive_remote = 4
    root = os.path.splitdrive(full)[0] + "\\"
    return "mapped network drive" if ctypes.windll.kernel32.GetDriveTypeW(root) == drive_remote else None  # type: ignore[attr-defined]
