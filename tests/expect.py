"""What the tests read off a result: the recommended codes with their minutes (imported by the test modules, like
``browser.py`` and ``render_docs.py``)."""


def minutes_in(result) -> dict:
    """Code -> minutes of the codes ``result`` recommends."""
    return {s.code: s.minutes for s in result.recommended}


def minutes_of(engine, note: str, payer: str = "medicare") -> dict:
    """Code -> minutes of the codes the engine recommends for ``note``."""
    return minutes_in(engine.suggest(note, payer=payer))
