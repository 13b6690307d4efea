"""YAML loading that remembers line numbers, so validation errors can point at the line, and
that refuses what an admin's upload could use to exhaust the server: aliases that expand past
a flow's size (a "billion laughs" bomb grows a few lines into gigabytes), deep nesting and
oversized text."""

from __future__ import annotations

from typing import Any

import yaml


class LineDict(dict):
    """A mapping that knows the line it starts on and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return getattr(self, "key_lines", {}).get(key, self.line)


class LineList(list):
    line: int = 0


# libyaml's parser when the wheel has it (ten times faster), with the same line marks.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, bool):
            # YAML 1.1 reads a bare `yes`/`no` key as a boolean; flows mean the word.
            key = "yes" if key else "no"
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class YamlError(ValueError):
    def __init__(self, path: str, line: int, problem: str) -> None:
        self.path, self.line, self.problem = path, line, problem
        super().__init__(f"{path}:{line}: {problem}")


MAX_CHARACTERS = 512 * 1024  # the largest shipped flow is under a tenth of this
MAX_DEPTH = 20  # a flow nests conditions a few levels; 300 levels is an attack
MAX_NODES = 100_000  # values once aliases are expanded: a shipped flow has a few thousand


def load_yaml(text: str, path: str) -> Any:
    if len(text) > MAX_CHARACTERS:
        raise YamlError(path, 0, f"the file is too large ({len(text)} characters; at most "
                        f"{MAX_CHARACTERS})")
    try:
        _check_shape(text, path)
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise YamlError(path, line, f"not valid YAML: {exc.problem}") from exc
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        raise YamlError(path, line, f"not valid YAML: character {exc.character!r} is not "
                        "allowed") from exc


def _check_shape(text: str, path: str) -> None:
    """Read the YAML's events once (libyaml: fast, and nothing is built) before building it,
    counting values as they would be once every alias is expanded: a bomb is refused at the
    line where it passes MAX_NODES, and nesting past MAX_DEPTH where it goes deeper."""
    expanded = 0
    sizes: dict[str, int] = {}  # anchor -> values it expands to
    open_collections: list[tuple[str | None, int]] = []
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            expanded += sizes.get(event.anchor, 1)
        elif isinstance(event, yaml.ScalarEvent):
            expanded += 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            expanded += 1
            open_collections.append((event.anchor, expanded))
            if len(open_collections) > MAX_DEPTH:
                raise YamlError(path, event.start_mark.line + 1,
                                f"nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, started = open_collections.pop()
            if anchor:
                sizes[anchor] = expanded - started + 1
        if expanded > MAX_NODES:
            raise YamlError(path, event.start_mark.line + 1,
                            f"aliases here expand past {MAX_NODES} values: write the values "
                            "out, or use fewer aliases")


def line_of(node: Any, key: str | None = None) -> int:
    if isinstance(node, LineDict):
        return node.line_of(key) if key is not None else node.line
    return getattr(node, "line", 0)
