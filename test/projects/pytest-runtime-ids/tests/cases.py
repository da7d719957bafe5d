"""The cases the tests run, as a suite's own data module lists them: their ids exist only once
Python has built the objects, so no reading of the source can name the cassettes."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    id: str
    path: str


CASES = [Case(id="list-items", path="/items")] + [Case(id=f"item-{n}", path=f"/items/{n}") for n in (1, 2)]


class ServerError(Exception):
    pass


class NotFound(Exception):
    pass
