"""Compiled regular expressions kept on disk for a one-shot CLI command, so that a cold start does not re-parse them.

A ``suggester suggest`` call compiles some 800 patterns (the packaged rules' and spaCy's tokenizer's); a fifth of
its cold start went to the pure-Python half of :mod:`re` turning each pattern into the regex engine's program.
That program (a list of integers, the group count and the group names) depends only on the pattern, its flags and
the Python version, so it is stored once (with :mod:`marshal`, through :mod:`suggester._index_cache`: checked by
its SHA-256, keyed by the package and Python versions) and handed straight to the regex engine next time. The
strings each rule pattern needs (:func:`suggester.nlp.rules.required_substrings`, also a parse of the pattern) are
kept beside them.

* Only patterns are stored, never note text (a note is matched, not compiled).
* Used only around a one-shot CLI command (:func:`cached_compiles`); a library user's process is never touched.
* Anything unexpected (another Python, a file that fails its check, a program the engine refuses) falls back to the
  normal compile: the compiled patterns are the same with or without the cache.
"""

from __future__ import annotations

import contextlib
import sys

from . import _index_cache

__all__ = ["cached_compiles"]

_KIND = "regex"
_MAX_ENTRIES = 5000   # patterns kept in the file; past this only the last command's patterns are kept
_NEEDS_TAG = "needs"   # entries ("needs", pattern, flags): the strings a rule pattern needs
# (pattern, flags) -> what nlp.rules.required_substrings found; here, not in nlp.rules, so that entering
# cached_compiles imports nothing of the engine (its patterns are then all compiled inside the block)
NEEDS: dict = {}

try:   # CPython 3.11+: re._compiler.compile(pattern, flags) is what re.compile calls on a cache miss
    import _sre
    from re import _compiler, _parser
    _SUPPORTED = sys.implementation.name == "cpython" and hasattr(_compiler, "_code")
except ImportError:   # pragma: no cover - Python 3.10 (sre_compile) or another implementation
    _SUPPORTED = False


def _program(pattern: str, flags: int) -> tuple:
    """What ``re._compiler.compile`` hands to the regex engine for ``pattern``: (flags, code, groups, groupindex,
    indexgroup)."""
    parsed = _parser.parse(pattern, flags)
    code = _compiler._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    return (int(flags | parsed.state.flags), [int(c) for c in code], parsed.state.groups - 1, groupindex,
            tuple(indexgroup))


def _key() -> str:
    return _index_cache.cache_key(_KIND, {"sre_magic": getattr(_sre, "MAGIC", None) if _SUPPORTED else None})


@contextlib.contextmanager
def cached_compiles():
    """Within the block, ``re.compile`` of a pattern seen by an earlier command reuses its stored program; when
    the block ends, the programs compiled in it are stored for the next command (only when one was new)."""
    if not _SUPPORTED or _index_cache.cache_dir() is None:
        yield
        return
    key = _key()
    stored = _index_cache.load(key)
    table: dict = stored if isinstance(stored, dict) else {}
    used: dict = {}
    new = 0
    original = _compiler.compile

    def compile(p, flags=0):
        nonlocal new
        if not isinstance(p, str) or not isinstance(flags, int) or flags & _compiler.SRE_FLAG_DEBUG:
            return original(p, flags)
        k = (p, flags)
        program = table.get(k)
        if program is not None:
            try:
                compiled = _sre.compile(p, *program)
                used[k] = program
                return compiled
            except Exception:   # a program this engine refuses: compile as usual below
                pass
        try:
            program = _program(p, flags)
            compiled = _sre.compile(p, *program)
        except Exception:   # let the normal path raise re.error for a bad pattern, or handle what we cannot
            return original(p, flags)
        used[k] = program
        new += 1
        return compiled

    # the strings each rule pattern needs (nlp.rules.required_substrings: a parse of the pattern, like a compile)
    for k, needs in table.items():
        if len(k) == 3 and k[0] == _NEEDS_TAG:
            NEEDS.setdefault(k[1:], needs)
    known = set(NEEDS)
    _compiler.compile = compile
    try:
        yield
    finally:
        _compiler.compile = original
        used.update(((_NEEDS_TAG, *k), needs) for k, needs in NEEDS.items())
        new += len(NEEDS.keys() - known)
        if new:
            keep = {**table, **used} if len(table) + new <= _MAX_ENTRIES else used
            _index_cache.store(key, keep)
