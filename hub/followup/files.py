"""Writing letters and evidence packs where the settings say, readable by the owner only.

Files are created with mode 0600 (and folders made here with 0700) whatever the umask:
they hold a pupil's name, a family's address and what was agreed with them.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) if missing; every folder made here is 0700."""
    missing = []
    at = path
    while not at.exists():
        missing.append(at)
        at = at.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        folder.chmod(DIR_MODE)
    return path


def write_private(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` with mode 0600, replacing a file already there.

    A symbolic link at ``path`` is refused rather than followed.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        os.write(fd, raw)
    finally:
        os.close(fd)
    return path
