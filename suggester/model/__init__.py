"""The segment classifier: building, training and persistence."""

"""The segment classifier: building, training and persistence.

Attributes are imported lazily so that loading the shipped model (``load_model``) does not import
scikit-learn; training (``SegmentCodeClassifier``, ``train``) does.
"""

from .._lazy import lazy_attributes

__all__ = ["CompiledClassifier", "SegmentCodeClassifier", "default_model_dir", "load_corpus", "load_model",
           "model_labels", "save_model", "train"]

_WHERE = {"CompiledClassifier": "compiled", "SegmentCodeClassifier": "classifier", "default_model_dir": "persistence",
          "load_model": "persistence", "save_model": "persistence", "load_corpus": "train", "model_labels": "labels",
          "train": "train"}


__getattr__ = lazy_attributes(__name__, _WHERE, globals())
