"""emotion-bench: compare training objectives for text emotion recognition."""

__version__ = "0.1.0"
