"""The segment classifier: building, training and persistence.

Attributes are imported lazily so that loading the shipped model (``load_model``) does not import
scikit-learn; training (``SegmentCodeClassifier``, ``suggester.model.train.train``) does. ``train`` is the
submodule (``from suggester.model.train import train``): a package attribute of the same name would be replaced
by the submodule as soon as anything imported it.
"""

from .._lazy import lazy_attributes

__all__ = ["CompiledClassifier", "SegmentCodeClassifier", "default_model_dir", "load_corpus", "load_model",
           "model_labels", "save_model"]

_WHERE = {"CompiledClassifier": "compiled", "SegmentCodeClassifier": "classifier", "default_model_dir": "persistence",
          "load_model": "persistence", "save_model": "persistence", "load_corpus": "train", "model_labels": "labels"}


__getattr__ = lazy_attributes(__name__, _WHERE, globals())
