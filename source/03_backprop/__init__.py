"""
# Backpropagation by hand

Every gradient of a small neural network derived on paper, written as code and proven by a test: elementwise activations, broadcasting, softmax with cross-entropy, a two-layer network trained by hand, and layer normalization.
"""
