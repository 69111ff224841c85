"""The facts a model file tells about its model (metadata key ``facts``), and their check.

Each known fact has a rule; a known fact that breaks its rule makes the file unusable (a file
that says something false about itself is damaged). Unknown facts are dropped, not refused:
a file from a newer ConvLens that adds one still opens, and nothing here reads them, so
keeping them would only carry unchecked data into the app.
"""

from __future__ import annotations

import math
from collections.abc import Callable

MAX_TEXT = 1000  # characters of one text fact
MAX_RECIPE_SETTINGS = 64  # TrainConfig has 15 fields


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _fraction(value) -> bool:
    return _number(value) and 0 <= value <= 1


def _text(most: int) -> Callable[[object], bool]:
    return lambda value: isinstance(value, str) and len(value) <= most


def _setting(value) -> bool:
    return value is None or isinstance(value, bool) or _number(value) or _text(200)(value)


def _recipe(value) -> bool:
    return (
        isinstance(value, dict)
        and len(value) <= MAX_RECIPE_SETTINGS
        and all(len(key) <= 64 and _setting(v) for key, v in value.items())
    )


# name -> (rule, what the rule asks, for the message)
FACTS: dict[str, tuple[Callable[[object], bool], str]] = {
    "epochs": (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 1_000_000,
        "a whole number of passes",
    ),
    "test_accuracy": (_fraction, "a number from 0 to 1"),
    "train_seconds": (lambda v: _number(v) and v >= 0, "a number of seconds"),
    "date": (_text(40), "a date as text"),
    "recipe": (_recipe, "an object of training settings (text, numbers, true/false, null)"),
    # the augmentation's largest slant (engine.augment.SHEAR), which TrainConfig does not hold
    "augment_shear": (lambda v: _number(v) and 0 <= v <= 10, "a shear factor from 0 to 10"),
    # expected calibration error of the shown probabilities on the test split
    "ece": (_fraction, "a number from 0 to 1"),
    # a sentence on how the probabilities were made (softmax, temperature, calibration set)
    "probabilities": (_text(MAX_TEXT), f"text of at most {MAX_TEXT} characters"),
}


def check_facts(facts) -> dict:
    """The known facts of ``facts``, each checked; ValueError says which one breaks its rule."""
    if not isinstance(facts, dict):
        raise ValueError(f"facts must be an object, not {type(facts).__name__}")
    for key, (rule, wanted) in FACTS.items():
        if key in facts and not rule(facts[key]):
            raise ValueError(f"the fact {key!r} must be {wanted}")
    return {key: value for key, value in facts.items() if key in FACTS}
