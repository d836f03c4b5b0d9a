"""Safety classifiers (prompt injection, toxicity): trained from the shared data sets, exported
to ONNX for onnxruntime, with quality figures and a bias report. See ``train.py``."""
