"""
# Tensors

The data every tutorial works on: multi-dimensional arrays, and the rules by which tensors of different shapes combine.
"""
