"""JSON Schemas of the event contracts and the backward-compatibility check.

The committed files in ``schemas/`` are the published contracts. ``compatibility_errors``
compares a published schema with the one the code generates now and lists every change
that could break a consumer or a message already in a queue: a removed field, a changed
type, or a field that became required.

Regenerate after a compatible change with ``uv run movierec contracts --write``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import create_model

from movierec_common.events.contracts import CONTRACTS, Contract, Event

SCHEMA_DIR = Path(__file__).parent / "schemas"


def schema_path(contract: Contract) -> Path:
    return SCHEMA_DIR / f"{contract.type}.v{contract.version}.json"


def generate_schema(contract: Contract) -> dict[str, Any]:
    """The JSON Schema of the whole envelope of ``contract``, payload included."""
    # The literal types are built at run time from the contract (Literal[...] of a value).
    fields: dict[str, Any] = {
        "type": (Literal.__getitem__(contract.type), ...),
        "version": (Literal.__getitem__(contract.version), ...),
        "payload": (contract.payload, ...),
    }
    model = create_model(f"{contract.payload.__name__}Event", __base__=Event, **fields)
    schema = model.model_json_schema()
    schema["$id"] = f"movierec:events:{contract.type}:v{contract.version}"
    return schema


def write_schemas() -> list[Path]:
    """Write every contract's schema file; returns the paths written."""
    SCHEMA_DIR.mkdir(exist_ok=True)
    written = []
    for contract in CONTRACTS.values():
        path = schema_path(contract)
        path.write_text(json.dumps(generate_schema(contract), indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


def load_schema(contract: Contract) -> dict[str, Any]:
    return json.loads(schema_path(contract).read_text())


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = root.get("$defs", {})[name]
    return schema


def _type_of(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """A comparable description of a schema's type (ignores titles, defaults, docs)."""
    schema = _resolve(schema, root)
    if "anyOf" in schema:
        return ("anyOf", frozenset(_type_of(s, root) for s in schema["anyOf"]))
    if "const" in schema:
        return ("const", json.dumps(schema["const"]))
    if "enum" in schema:
        return ("enum", frozenset(json.dumps(v) for v in schema["enum"]))
    kind = schema.get("type")
    if kind == "array":
        return ("array", _type_of(schema.get("items", {}), root))
    if kind == "object" and "properties" in schema:
        props = schema["properties"]
        return ("object", frozenset((k, _type_of(v, root)) for k, v in props.items()))
    return (kind, schema.get("format"))


def compatibility_errors(
    old: dict[str, Any], new: dict[str, Any], *, path: str = "", _roots: tuple | None = None
) -> list[str]:
    """Every change from ``old`` to ``new`` that breaks an existing consumer or message."""
    old_root, new_root = _roots or (old, new)
    old_s, new_s = _resolve(old, old_root), _resolve(new, new_root)
    errors: list[str] = []
    old_props = old_s.get("properties")
    new_props = new_s.get("properties")
    if old_props is not None:
        if new_props is None:
            return [f"{path or '<root>'}: is no longer an object"]
        for name, old_prop in old_props.items():
            where = f"{path}.{name}" if path else name
            if name not in new_props:
                errors.append(f"{where}: field removed")
                continue
            errors.extend(
                compatibility_errors(
                    old_prop, new_props[name], path=where, _roots=(old_root, new_root)
                )
            )
        newly_required = set(new_s.get("required", [])) - set(old_s.get("required", []))
        for name in sorted(newly_required):
            errors.append(f"{path + '.' if path else ''}{name}: field became required")
        return errors
    if _type_of(old_s, old_root) != _type_of(new_s, new_root):
        errors.append(f"{path or '<root>'}: type changed")
    return errors
