"""Reading docker/ the way docker compose and docker build would, without a Docker engine (there is
none on the test machines): the compose file with its `${VAR}` interpolation, and what each Dockerfile
installs and copies."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE_FILE = DOCKER / "docker-compose.yml"
ENV_EXAMPLE = DOCKER / ".env.example"

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $VAR; "$$" is a literal "$".
_VAR = re.compile(r"\$(?:\$|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")


class MissingVariable(KeyError):
    """A `${VAR:?message}` variable is unset or empty."""


def load_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


def read_env_file(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """KEY=value lines (comments and blank lines skipped), as docker compose reads .env."""
    out = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path}: not KEY=value: {raw!r}"
        out[key.strip()] = value.strip()
    return out


def variables_used(value: Any) -> dict[str, str | None]:
    """Every variable a loaded compose file interpolates (comments are not), with its operator
    (None, ":-", "-", ":?", "?")."""
    found: dict[str, str | None] = {}
    if isinstance(value, dict):
        for v in value.values():
            found.update({k: op for k, op in variables_used(v).items() if k not in found})
    elif isinstance(value, list):
        for v in value:
            found.update({k: op for k, op in variables_used(v).items() if k not in found})
    elif isinstance(value, str):
        for m in _VAR.finditer(value):
            name = m.group("braced") or m.group("bare")
            if name:
                found.setdefault(name, m.group("op"))
    return found


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose interpolation over a loaded YAML value (strings inside dicts and lists)."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group("braced") or m.group("bare")
        op, arg = m.group("op"), m.group("arg") or ""
        current = env.get(name)
        if op in (":-", "-"):
            unset = current is None or (op == ":-" and current == "")
            return arg if unset else str(current)
        if op in (":?", "?"):
            if current is None or (op == ":?" and current == ""):
                raise MissingVariable(f"{name}: {arg}")
            return current
        return current or ""

    return _VAR.sub(sub, value)


def service_environment(compose: dict[str, Any], service: str, env: dict[str, str]) -> dict[str, str]:
    environment = compose["services"][service].get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {k: str(v) for k, v in interpolate(environment, env).items()}


def service_command(compose: dict[str, Any], service: str) -> list[str]:
    command = compose["services"][service].get("command")
    if isinstance(command, str):
        return shlex.split(command)
    return list(command or [])


# --- Dockerfiles ------------------------------------------------------------------------------------


@dataclass
class Dockerfile:
    path: Path
    base: str
    apt: set[str] = field(default_factory=set)
    pip: dict[str, str | None] = field(default_factory=dict)  # distribution name -> pinned version
    pip_installs_project: bool = False
    copies: list[tuple[list[str], str]] = field(default_factory=list)  # (sources, destination)
    cmd: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


def _instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


def parse_dockerfile(path: Path) -> Dockerfile:
    import json

    result: Dockerfile | None = None
    for keyword, rest in _instructions(path.read_text()):
        if keyword == "FROM":
            result = Dockerfile(path=path, base=rest.split()[0])
            continue
        assert result is not None, f"{path}: an instruction before FROM"
        if keyword == "RUN":
            for part in re.split(r"&&|;", rest):
                words = shlex.split(part)
                if words[:3] == ["apt-get", "install", "-y"] or words[:2] == ["apt-get", "install"]:
                    result.apt |= {w for w in words[2:] if not w.startswith("-")}
                elif words[:2] == ["pip", "install"]:
                    args = iter(words[2:])
                    for word in args:
                        if word in ("--index-url", "--extra-index-url", "-i"):
                            next(args)
                        elif word == ".":
                            result.pip_installs_project = True
                        elif not word.startswith("-"):
                            name, _, version = word.partition("==")
                            result.pip[name.lower()] = version or None
        elif keyword == "COPY":
            words = [w for w in shlex.split(rest) if not w.startswith("--")]
            result.copies.append((words[:-1], words[-1]))
        elif keyword == "CMD":
            result.cmd = json.loads(rest)
        elif keyword == "ENV":
            for word in shlex.split(rest):
                key, _, value = word.partition("=")
                result.env[key] = value
    assert result is not None, f"{path}: no FROM"
    return result
