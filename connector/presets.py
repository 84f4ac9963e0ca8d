"""Presets: ready-made connector configs for known providers.

Each preset is ``connector/presets/<name>.yaml``, shipped inside the package.
Its first comment line is the one-line description ``mcc presets`` prints.
Presets name the provider's real host; secrets are ``${ENV_VAR}`` references,
never literal keys.
"""

from __future__ import annotations

from pathlib import Path

from connector.config import ConnectorConfig, load_config
from connector.errors import PresetNotFoundError

__all__ = [
    "PRESET_DIR",
    "load_preset",
    "preset_description",
    "preset_names",
    "preset_path",
    "resolve_config",
]

PRESET_DIR = Path(__file__).resolve().with_name("presets")
_SUFFIXES = (".yaml", ".yml")


def preset_names() -> list[str]:
    """Names of the shipped presets, sorted."""
    return sorted(path.stem for path in PRESET_DIR.glob("*.yaml"))


def _unknown(name: str) -> PresetNotFoundError:
    known = ", ".join(preset_names()) or "(none shipped)"
    return PresetNotFoundError(
        f"{name!r} is not a preset (known presets: {known}) nor an existing YAML file"
    )


def preset_path(name: str) -> Path:
    """Path of the preset file for ``name``; ``PresetNotFoundError`` if there is none."""
    # Only plain names: "../x" must not escape the preset folder.
    if name not in preset_names():
        raise _unknown(name)
    return PRESET_DIR / f"{name}.yaml"


def load_preset(name: str) -> ConnectorConfig:
    """Load and validate the preset ``name``."""
    return load_config(preset_path(name))


def preset_description(name: str) -> str:
    """The preset's one-line description: its first comment line."""
    for line in preset_path(name).read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            return stripped.lstrip("#").strip()
        if stripped:
            break
    return ""


def resolve_config(name_or_path: str | Path) -> ConnectorConfig:
    """A preset name (``ozonetel``) or a path to a YAML config file.

    An existing file wins over a preset of the same name, so a local
    ``generic`` file can shadow the shipped preset on purpose.
    """
    path = Path(name_or_path)
    if path.is_file():
        return load_config(path)
    text = str(name_or_path)
    if text in preset_names():
        return load_preset(text)
    if path.suffix in _SUFFIXES or "/" in text or "\\" in text:
        return load_config(path)  # a path that does not exist: "no such file"
    raise _unknown(text)
