"""A TOML table being read: key paths for errors, and unknown keys caught so that typos fail."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, TypeVar, cast

from pytest_ece_o365.printable import first_unprintable, printable
from pytest_ece_o365.secret import SecretRef

T = TypeVar("T")


class ConfigError(Exception):
    """A bad deployment file; ``str()`` is the one line the user sees."""

    def __init__(self, source: Path | str, key_path: str, problem: str) -> None:
        self.source = str(source)
        self.key_path = key_path
        self.problem = problem
        where = f"{self.source}: {key_path}" if key_path else self.source
        # One line, always: a line break, an ANSI escape or a bidi override in it is shown escaped.
        super().__init__(printable(f"{where}: {problem}"))


class Table:
    """A TOML table being read: tracks the key path and which keys were used, so that typos fail."""

    def __init__(self, data: dict[str, Any], path: str, source: Path) -> None:
        self.data = data
        self.path = path
        self.source = source
        self._used: set[str] = set()

    def key_path(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str | int, problem: str) -> ConfigError:
        return ConfigError(self.source, self.key_path(key), problem)

    def get(self, key: str) -> Any:
        self._used.add(key)
        return self.data.get(key)

    def has(self, key: str) -> bool:
        return key in self.data

    def missing(self, key: str, problem: str = "is required") -> ConfigError:
        """The error for a required key that is absent — or, when a misspelling of it is there, for that."""
        typo = difflib.get_close_matches(key, [k for k in self.data if k not in self._used], n=1)
        if typo:
            return self.error(typo[0], f'unknown key (did you mean "{key}"?)')
        return self.error(key, problem)

    def string(self, key: str, *, required: bool = False) -> str | None:
        value = self.get(key)
        if value is None:
            if required:
                raise self.missing(key)
            return None
        if not isinstance(value, str):
            raise self.error(key, f"expected a string, got {type_name(value)}")
        if not value.strip():
            raise self.error(key, "is empty")
        bad = first_unprintable(value.strip())
        if bad is not None:  # a forged terminal line, a reordered report line: never let one through
            raise self.error(key, f"holds a control or bidi character ({bad}); remove it")
        return value.strip()

    def required_string(self, key: str) -> str:
        return cast(str, self.string(key, required=True))

    def choice(self, key: str, options: tuple[str, ...], default: str | None = None) -> str:
        value = self.string(key, required=default is None)
        if value is None:
            assert default is not None
            return default
        if value not in options:
            raise self.error(key, f'"{value}" is not one of {", ".join(options)}')
        return value

    def table(self, key: str, *, required: bool = False) -> Table | None:
        value = self.get(key)
        if value is None:
            if required:
                raise self.missing(key, f"the [{self.key_path(key)}] table is required")
            return None
        if not isinstance(value, dict):
            raise self.error(key, f"expected a table, got {type_name(value)}")
        return Table(value, self.key_path(key), self.source)

    def array(self, key: str) -> list[Any]:
        value = self.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(key, f"expected an array, got {type_name(value)}")
        return value

    def tables(self, key: str) -> list[Table]:
        items = self.array(key)
        path = self.key_path(key)
        result = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise ConfigError(self.source, f"{path}[{index}]", f"expected a table, got {type_name(item)}")
            result.append(Table(item, f"{path}[{index}]", self.source))
        return result

    def parsed(self, key: str, parse: Callable[[str], T]) -> T | None:
        text = self.string(key)
        if text is None:
            return None
        try:
            return parse(text)
        except ValueError as exc:
            raise self.error(key, str(exc)) from None

    def secret(self, key: str, *, required: bool = False) -> SecretRef | None:
        value = self.get(key)
        path = self.key_path(key)
        accepted = '{ env = "NAME" } or { file = "PATH" }'
        if value is None:
            if required:
                raise self.missing(key, f"is required, as {accepted}")
            return None
        if isinstance(value, str):
            # Never echo the value: config files get attached to support cases.
            raise self.error(key, f"a secret must not be written in the file; give it as {accepted}")
        if not isinstance(value, dict):
            raise self.error(key, f"expected {accepted}, got {type_name(value)}")
        inner = Table(value, path, self.source)
        env = inner.string("env")
        file = inner.string("file")
        inner.done()
        if (env is None) == (file is None):
            raise self.error(key, f"give exactly one of env or file: {accepted}")
        if file is not None:
            return SecretRef(path, file=relative_to(self.source, file))
        return SecretRef(path, env=env)

    def done(self) -> None:
        unknown = [key for key in self.data if key not in self._used]
        if unknown:
            known = [key for key in self._used if key not in self.data]
            typo = difflib.get_close_matches(unknown[0], known, n=1)
            hint = f' (did you mean "{typo[0]}"?)' if typo else ""
            raise self.error(unknown[0], f"unknown key{hint}")


def relative_to(source: Path, text: str) -> Path:
    """``text`` as a path relative to the deployment file; absolute paths — Windows ones (``C:\\…``,
    ``\\\\server\\share``) too, whatever system reads the file — are kept as they are."""
    if PureWindowsPath(text).is_absolute() or PurePosixPath(text).is_absolute():
        return Path(text)
    return (source.parent / text).resolve()


def type_name(value: object) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
        dt.date: "a date",
        dt.datetime: "a date-time",
        dt.time: "a time",
    }.get(type(value), type(value).__name__)
