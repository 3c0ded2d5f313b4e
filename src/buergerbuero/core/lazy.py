"""A module imported where it is first used, not where it is named (NumPy for the planner, not for every start).

    np = LazyModule("numpy", globals(), "np")

stands for NumPy until the first attribute is read (`np.zeros`, in a function); then NumPy is imported and put in
the module's namespace in the stand-in's place, so every later use is the module itself, at no extra cost. Type
annotations stay as they are (`from __future__ import annotations` keeps them unevaluated). Code that runs at
import time must not touch it, or the import happens there after all (tests/core/test_startup.py watches).
"""

import importlib


class LazyModule:
    def __init__(self, name: str, namespace: dict, alias: str):
        self._name, self._namespace, self._alias = name, namespace, alias

    def __getattr__(self, attr: str):
        module = importlib.import_module(self._name)
        self._namespace[self._alias] = module
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"
