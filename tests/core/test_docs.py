"""The README documents every environment variable the code reads."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PATTERN = re.compile(r"""(?:os\.environ\.get|os\.environ\[|env_int|env_bool|os\.getenv)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")
# Read by tools, not by people configuring Sapa.
INTERNAL = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "CI"}


def variables_in_code() -> set[str]:
    names = set()
    for path in (ROOT / "src" / "sapa").rglob("*.py"):
        names.update(PATTERN.findall(path.read_text()))
    return names - INTERNAL


def test_every_environment_variable_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in variables_in_code() if f"`{name}`" not in readme)
    assert not missing, f"document these in README.md (Configuration): {missing}"
