"""The policy (``config``) and the list (``enterprise_registry``) do not import each other.

The rule: the shared vocabulary lives in ``emergency.vocabulary``, which imports nothing
of the project; ``config`` uses it (and ``emergency.errors`` / ``emergency.settings``) but
never ``enterprise_registry``; the list may use the policy (it is checked against the
policy directory's industry catalogue). So the dependency runs one way, list → policy.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import config

CONFIG_MODULES = sorted(f"config.{m.name}" for m in pkgutil.iter_modules(config.__path__))

PROBE = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print("\\n".join(sorted(m for m in sys.modules if m.split(".")[0] in {{"config", "enterprise_registry", "emergency"}})))
"""


def _loaded(*modules: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(), *modules], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_config_modules_are_listed():
    assert {"config.policy", "config.industries", "config.measures", "config.warning_rules"} <= set(CONFIG_MODULES)


def test_importing_any_config_module_imports_nothing_of_the_list():
    loaded = _loaded(*CONFIG_MODULES)
    assert "config.policy" in loaded  # the probe did import them
    assert not {m for m in loaded if m.startswith("enterprise_registry")}, loaded


def test_the_vocabulary_imports_nothing_of_the_project():
    assert _loaded("emergency.vocabulary") == {"emergency", "emergency.vocabulary"}


def test_the_level_order_is_defined_once():
    from emergency.vocabulary import LEVELS, WarningLevel as L, rank

    assert LEVELS == (L.YELLOW, L.ORANGE, L.RED)
    assert [rank(x) for x in (L.NONE, L.YELLOW, L.ORANGE, L.RED)] == [0, 1, 2, 3]
    assert rank("orange") == 2
    import config.measures

    assert config.measures.LEVELS is LEVELS
