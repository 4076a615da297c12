"""YAML that remembers where each value was written.

PyYAML's safe loader forgets line numbers once it has built plain dicts. The
loader here returns ``LocatedMap``/``LocatedList`` (a dict/list that also
knows the line of itself and of each key or item), so the content checks can
point at the exact line of a bad field. Lines are 1-based and offset by
``first_line`` so YAML inside a Markdown fence reports lines of the ``.md``.
"""

from __future__ import annotations

from typing import Any

import yaml

from scormgen.diagnostics import Diagnostics
from scormgen.model import SourceLocation


class LocatedMap(dict):
    """A mapping that knows its own line and the line of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LocatedList(list):
    """A sequence that knows its own line and the line of each item."""

    line: int = 0
    item_lines: list[int]


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


def _construct_map(loader, node: yaml.MappingNode):
    offset = loader.line_offset
    data = LocatedMap()
    data.line = node.start_mark.line + 1 + offset
    data.key_lines = {}
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if key in data:
            raise _DuplicateKey(None, None, f"duplicate key '{key}'", key_node.start_mark)
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = key_node.start_mark.line + 1 + offset


def _construct_seq(loader, node: yaml.SequenceNode):
    offset = loader.line_offset
    data = LocatedList()
    data.line = node.start_mark.line + 1 + offset
    data.item_lines = [child.start_mark.line + 1 + offset for child in node.value]
    yield data
    data.extend(loader.construct_object(child, deep=True) for child in node.value)


def _located(base: type) -> type:
    class Loader(base):
        line_offset = 0

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)
    # Dates stay strings: an author typing 2024-01-01 means text, not a datetime.
    Loader.yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


# libyaml's parser is several times faster than the pure-Python one; the pure-Python
# loader is kept for error messages, which the authoring docs quote.
_SLOW_LOADER = _located(yaml.SafeLoader)
_FAST_LOADER = _located(getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _parse(text: str, loader_class: type, first_line: int) -> Any:
    loader = loader_class(text)
    loader.line_offset = first_line - 1
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_yaml(text: str, path: str, first_line: int, diagnostics: Diagnostics) -> Any | None:
    """Parse ``text``; on a syntax error record ``path:line: bad YAML`` and return None."""
    try:
        try:
            data = _parse(text, _FAST_LOADER, first_line)
        except yaml.YAMLError:
            # Parse again with the pure-Python loader for its (documented) message.
            data = _parse(text, _SLOW_LOADER, first_line)
        if data is None:
            # An empty document is an empty mapping, so its missing fields get reported.
            data = LocatedMap()
            data.line, data.key_lines = first_line, {}
        return data
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = first_line + mark.line if mark else first_line
        column = f", column {mark.column + 1}" if mark else ""
        problem = error.problem or error.context or "invalid YAML"
        code = "yaml.duplicate-key" if isinstance(error, _DuplicateKey) else "yaml.syntax"
        diagnostics.error(SourceLocation(path, line), code, f"bad YAML{column}: {problem}")
    except yaml.YAMLError as error:
        diagnostics.error(SourceLocation(path, first_line), "yaml.syntax", f"bad YAML: {error}")
    return None
