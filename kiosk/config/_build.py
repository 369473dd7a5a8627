"""Turn parsed TOML tables into the frozen config model, collecting every problem."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


def did_you_mean(word: str, choices: list[str]) -> str:
    import difflib  # only when a name is wrong

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def build(cls: type[T], raw: Any, path: str, problems: list[str]) -> T | None:
    """Build ``cls`` from ``raw``; append ``"path.key: message"`` to ``problems``.

    Returns ``None`` when anything inside was wrong, so callers never see a
    half-valid object.
    """
    if not isinstance(raw, dict):
        problems.append(f"{path.rstrip('.') or 'config'}: must be a table")
        return None
    fields = [f for f in dataclasses.fields(cls) if not f.metadata.get("internal")]
    names = [f.name for f in fields]
    ok = True
    for key in raw:
        if key not in names:
            problems.append(f"{path}{key}: unknown key{did_you_mean(key, names)}")
            ok = False
    values: dict[str, Any] = {}
    for f in fields:
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if f.name not in raw:
            if required:
                problems.append(f"{path}{f.name}: missing required key")
                ok = False
            continue
        values[f.name] = _field_value(f, raw[f.name], f"{path}{f.name}", problems)
    if not ok or any(v is _FAILED for v in values.values()):
        return None
    return cls(**values)


_FAILED: Any = object()


def _field_value(f: dataclasses.Field[Any], raw: Any, path: str, problems: list[str]) -> Any:
    if (nested := f.metadata.get("table")) is not None:
        built = build(nested, raw, path + ".", problems)
        return _FAILED if built is None else built
    if (item_cls := f.metadata.get("tables")) is not None:
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            problems.append(f"{path}: must be an array of tables ([[{path}]])")
            return _FAILED
        items = [build(item_cls, item, f"{path}[{i}].", problems) for i, item in enumerate(raw)]
        return _FAILED if any(item is None for item in items) else tuple(items)
    parse = f.metadata.get("parse")
    if parse is None:
        return raw
    try:
        return parse(raw)
    except ValueError as exc:
        problems.append(f"{path}: {exc}")
        return _FAILED
    except (OverflowError, TypeError, RecursionError):
        # Values from outside (central's JSON) can be shapes no TOML file has.
        problems.append(f"{path}: not a usable value ({type(raw).__name__})")
        return _FAILED
