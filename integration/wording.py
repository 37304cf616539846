"""Small pieces of English the pages and the client's documents share."""


def counted(number: int, one: str, many: str | None = None, start: bool = False) -> str:
    """A number of things in words: "1 goal", "3 goals", "no goals" ("No goals" to begin a line)."""
    things = one if number == 1 else many or f"{one}s"
    if number == 0:
        return f"{'No' if start else 'no'} {things}"
    return f"{number} {things}"
