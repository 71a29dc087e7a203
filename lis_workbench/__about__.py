"""Version and title, read from metadata.txt so there is one place to change them."""

from configparser import ConfigParser
from pathlib import Path

_metadata = ConfigParser(interpolation=None)
_metadata.read(Path(__file__).with_name("metadata.txt"), encoding="utf-8")

__title__ = _metadata.get("general", "name")
__version__ = _metadata.get("general", "version")
