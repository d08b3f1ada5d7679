"""
# Automatic differentiation

How PyTorch computes gradients for us, how to compute them by hand, and how to give a function a gradient of our own.
"""
