"""kzoo: a Keras 3 multi-backend model zoo for codebook-memory forecasting."""

__version__ = "0.1.0"
