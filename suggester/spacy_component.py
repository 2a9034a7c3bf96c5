"""``nlp.add_pipe("suggester_codes")``: the engine as a component for a user's own spaCy pipeline.

The component runs the suggester engine (its own segmenter, sections and context pipeline, the
classifier, units and compliance) on the document text and sets ``doc._.pt_suggestions`` (the
suggestion dicts) and ``doc._.pt_result`` (the full ``Result.to_dict()``).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from .nlp._extensions import register_extensions


class SuggesterCodes:
    def __init__(self, nlp: Language, name: str, payer: str = "medicare", model_dir: str | None = None) -> None:
        from .engine import Suggester

        self.name = name
        self.payer = payer
        self.engine = Suggester(model_dir)
        self.engine.payer_config(payer)  # fail early on an unknown payer

    def __call__(self, doc: Doc) -> Doc:
        result = self.engine.suggest(doc.text, self.payer).to_dict()
        doc._.pt_result = result
        doc._.pt_suggestions = result["suggestions"]
        return doc


@Language.factory("suggester_codes", assigns=["doc._.pt_suggestions", "doc._.pt_result"],
                  default_config={"payer": "medicare", "model_dir": None})
def make_suggester_codes(nlp: Language, name: str, payer: str, model_dir: str | None) -> SuggesterCodes:
    register_extensions()
    return SuggesterCodes(nlp, name, payer, model_dir)
