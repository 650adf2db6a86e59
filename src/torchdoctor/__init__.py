"""torchdoctor: a command-line doctor for PyTorch installations."""

__version__ = "0.1.0"
