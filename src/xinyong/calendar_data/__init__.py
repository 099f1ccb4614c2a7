"""Schedule files shipped with the package.

Only an example of the format lives here: official schedules are loaded by
the operator into the store (``xinyong calendar load``) when the State Council
publishes them, so the package never pretends to know a year it does not.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

#: the format example (marked ``example: true``; refused by ``load`` by default)
EXAMPLE_2027: Traversable = files(__name__) / "2027.example.yaml"
