"""A config file read within bounds: size, nesting depth and alias expansion.

A YAML file is small to write and can be huge to hold. Aliases share one
value under many names: nine levels of nine aliases each ("billion laughs",
350 bytes) stand for 387 million strings. PyYAML builds them shared, but
anything that walks the result walks all of them: the old ``load_config``
spent 52 s and 8 GB of memory on that file before answering with an error
message of gigabytes. Nesting is a second way in: PyYAML composes nodes
recursively, so 5000 nested ``[`` ended in a ``RecursionError`` traceback.

:func:`read_yaml` refuses, with one line saying why and where:

- a file larger than :data:`MAX_FILE_BYTES` (1 MiB; a config is a few KB),
  read no further than that;
- nesting deeper than :data:`MAX_DEPTH` levels;
- a document of more than :data:`MAX_VALUES` values once its aliases are
  expanded, counted while the document is composed (every node's expanded
  size is known when it is finished, and an alias adds its anchor's), so
  nothing is ever expanded to be counted;
- an alias inside the collection it names (``&a [*a]``), which has no end.

Aliases within those bounds keep working (one list of response rules shared
by two APIs). The loader is ``yaml.SafeLoader`` otherwise: plain data only.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from connector.errors import ConfigError

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_VALUES",
    "YamlRefused",
    "parse_yaml",
    "read_yaml",
    "yaml_where",
]

MAX_FILE_BYTES = 1_048_576
MAX_DEPTH = 50
MAX_VALUES = 100_000


class YamlRefused(yaml.YAMLError):
    """A bound was passed at ``mark``; ``str()`` says which and where."""

    def __init__(self, message: str, mark: yaml.Mark | None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark

    def __str__(self) -> str:
        where = f" (line {self.mark.line + 1}, column {self.mark.column + 1})" if self.mark else ""
        return f"{self.message}{where}"


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


class _BoundedLoader(yaml.SafeLoader):
    """``SafeLoader`` that counts depth and expanded size while composing."""

    def __init__(self, stream: str, max_values: int = MAX_VALUES) -> None:
        super().__init__(stream)
        self._max_values = max_values
        self._depth = 0
        self._aliases = False
        self._sizes: dict[int, int] = {}  # id(node) -> values it stands for, once finished

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        alias = self.check_event(yaml.AliasEvent)
        event = self.current_event  # the one check_event peeked at
        self._aliases = self._aliases or alias
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlRefused(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is None or id(node) in self._sizes:
            return node  # an alias of a finished node: its size is known
        if alias:
            raise YamlRefused(
                f"alias *{event.anchor} refers to the collection it is in (it never ends)",
                event.start_mark,
            )
        size = 1 + sum(self._sizes[id(child)] for child in _children(node))
        if size > self._max_values:
            what = "YAML aliases expand to" if self._aliases else "the document holds"
            raise YamlRefused(
                f"{what} more than {self._max_values} values (an alias bomb?)", node.start_mark
            )
        self._sizes[id(node)] = size
        return node


def parse_yaml(text: str, *, max_values: int = MAX_VALUES) -> object:
    """The YAML document in ``text``, composed within the bounds.

    Raises ``YamlRefused`` past a bound and ``yaml.YAMLError`` for invalid YAML
    (callers turn both into their own one-line error).
    """
    loader = _BoundedLoader(text, max_values)  # the reader checks the characters here
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def read_yaml(path: str | Path) -> object:
    """The YAML document in ``path``; ``ConfigError`` (one line) when it cannot be had."""
    file = Path(path)
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot be read ({exc.__class__.__name__})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(
            f"{file}: larger than 1 MiB; a connector config is a few KB (is it the right file?)"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: cannot be read (UnicodeDecodeError)") from None
    try:
        return parse_yaml(text)
    except YamlRefused as exc:
        raise ConfigError(f"{file}: {exc}; a config holds a few hundred values") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML{yaml_where(exc)}") from None


def yaml_where(exc: yaml.YAMLError) -> str:
    """`` at line L, column C`` of a YAML error, when it has a place."""
    mark = getattr(exc, "problem_mark", None)
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
