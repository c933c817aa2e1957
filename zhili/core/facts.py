"""Facts that higher apps add to a lower app's object pages, without the lower app
importing them (dependencies run one way: core <- places <- orgs <- people <- ...).

An app registers, in its AppConfig.ready(), a function for a model: given the actor and an
object, it returns a Fact, or None when the actor may not see it. The place page shows the
people registered there; the department page shows its handlers; later apps add cases,
help-group branches and property companies the same way.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class Fact:
    label: str
    value: int | str
    url: str = ""


FactSource = Callable[[object, models.Model], "Fact | None"]
_sources: dict[type[models.Model], list[FactSource]] = {}


def register_fact(model: type[models.Model], source: FactSource) -> None:
    sources = _sources.setdefault(model, [])
    if source not in sources:
        sources.append(source)


def facts_for(actor, obj: models.Model) -> list[Fact]:
    return [
        fact for source in _sources.get(type(obj), []) if (fact := source(actor, obj)) is not None
    ]
