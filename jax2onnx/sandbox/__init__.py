"""Small runnable scripts exercising the onnx_ir pipeline directly."""
