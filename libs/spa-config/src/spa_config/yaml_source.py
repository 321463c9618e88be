"""Reading a spa file: YAML with fewer surprises, and the line each setting sits on."""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Loc

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"


# libyaml's parser when PyYAML was built with it: several times faster on a spa file.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SpaYamlLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader with YAML 1.2-style scalars and no duplicate keys.

    YAML 1.1 reads `19:00` as the number 1140 (base 60) and `no` as false, and a repeated key
    silently wins; in a spa file each of those is a setting that is quietly wrong. Numbers with
    a leading `+` stay text, because in these files they are phone numbers.
    """


SpaYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _INT, _FLOAT)]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}
SpaYamlLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
SpaYamlLoader.add_implicit_resolver(_INT, re.compile(r"^-?[0-9]+$"), list("-0123456789"))
SpaYamlLoader.add_implicit_resolver(
    _FLOAT,
    re.compile(r"^-?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-.0123456789"),
)


def _construct_mapping(
    loader: SpaYamlLoader, node: MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == _MERGE:
            continue
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


SpaYamlLoader.construct_mapping = _construct_mapping


def parse_yaml(text: str) -> tuple[Any, Node | None]:
    """The document's data and its node tree (for line numbers). Raises yaml.YAMLError."""
    loader = SpaYamlLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return data, node


def _child(node: Node, key: str | int) -> Node | None:
    if isinstance(node, SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        child: Node = node.value[key]
        return child
    if isinstance(node, MappingNode):
        merged: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged += value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            elif isinstance(key_node, ScalarNode) and key_node.value == key:
                return value_node  # type: ignore[no-any-return]
        for source in merged:
            found = _child(source, key)
            if found is not None:
                return found
    return None


def locate(node: Node | None, loc: Loc) -> tuple[str, int | None]:
    """The readable path ("services[2].price") and 1-based line for a Pydantic location.

    Location parts that are not in the file (the tag Pydantic adds for a tagged union) are
    dropped; a last part that is not there (a missing field) is kept, on its parent's line.
    Nothing below a scalar is shown: the person wrote that value as one piece of text.
    """
    path = ""
    for position, key in enumerate(loc):
        if isinstance(node, ScalarNode):
            break
        child = _child(node, key) if node is not None else None
        if node is not None and child is None and position < len(loc) - 1:
            continue
        path += f"[{key}]" if isinstance(key, int) else (f".{key}" if path else key)
        if child is not None:
            node = child
    return path, node.start_mark.line + 1 if node is not None else None
