"""What a stage read from each distinct text, kept for the next time the same text comes.

Template lines ("Pt tolerated treatment well", "Continue POC", section headings) repeat across a clinic's notes;
the model's scores, the phrase hits and the context pieces of such a line are worked out once. The texts stay in
process memory only (never written or logged); ``limit`` bounds how many are kept (all are forgotten when it is
reached, so memory stays flat), and 0 keeps none (engine.json ``remembered_texts``).
"""

from __future__ import annotations

from typing import Callable, TypeVar

__all__ = ["TextMemo"]

T = TypeVar("T")


class TextMemo:
    """A bounded text -> reading memo; see the module docstring."""

    __slots__ = ("limit", "_kept")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._kept: dict[str, object] = {}

    def get(self, text: str, read: Callable[[str], T]) -> T:
        """``read(text)``, remembered: computed the first time ``text`` comes, kept while under the limit."""
        got = self._kept.get(text)
        if got is None:
            got = read(text)
            if len(self._kept) >= self.limit:
                self._kept.clear()
            if self.limit:
                self._kept[text] = got
        return got

    def get_many(self, texts: list[str], read_many: Callable[[list[str]], list]) -> list:
        """``[read(t) for t in texts]``, remembered, with every text not yet remembered read in one
        ``read_many`` call (each distinct text once)."""
        kept = self._kept
        new = list(dict.fromkeys(t for t in texts if t not in kept))
        fresh = dict(zip(new, read_many(new))) if new else {}
        # the answer is taken before the memo may be cleared below: a text remembered until now is answered too
        out = [fresh[t] if t in fresh else kept[t] for t in texts]
        if fresh and self.limit:
            if len(kept) + len(fresh) > self.limit:
                kept.clear()
            kept.update(list(fresh.items())[:self.limit])
        return out

    def clear(self) -> None:
        self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)
