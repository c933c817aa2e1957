"""Facts that higher apps add to a place's page without places importing them.

An app above places (people now; cases, the help group and red property later) registers a
function in its AppConfig.ready(); the place page calls each with the actor and the place and
shows what comes back. A function returns None when the actor may not see its figure.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PlaceFact:
    label: str
    value: int | str
    url: str = ""


PlaceFactSource = Callable[[object, object], PlaceFact | None]
_sources: list[PlaceFactSource] = []


def register_place_fact(source: PlaceFactSource) -> None:
    if source not in _sources:
        _sources.append(source)


def place_facts(actor, place) -> list[PlaceFact]:
    return [fact for source in _sources if (fact := source(actor, place)) is not None]
