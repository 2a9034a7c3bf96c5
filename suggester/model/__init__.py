"""The segment classifier: building, training and persistence."""

from .classifier import SegmentCodeClassifier
from .persistence import default_model_dir, load_model, save_model
from .train import load_corpus, model_labels, train

__all__ = ["SegmentCodeClassifier", "default_model_dir", "load_corpus", "load_model", "model_labels", "save_model", "train"]
