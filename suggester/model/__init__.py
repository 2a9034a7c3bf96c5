"""The segment classifier: building, training and persistence."""

"""The segment classifier: building, training and persistence.

Attributes are imported lazily so that loading the shipped model (``load_model``) does not import
scikit-learn; training (``SegmentCodeClassifier``, ``train``) does.
"""

__all__ = ["CompiledClassifier", "SegmentCodeClassifier", "default_model_dir", "load_corpus", "load_model",
           "model_labels", "save_model", "train"]

_WHERE = {"CompiledClassifier": "compiled", "SegmentCodeClassifier": "classifier", "default_model_dir": "persistence",
          "load_model": "persistence", "save_model": "persistence", "load_corpus": "train", "model_labels": "labels",
          "train": "train"}


def __getattr__(name: str):
    if name in _WHERE:
        import importlib

        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'suggester.model' has no attribute {name!r}")
