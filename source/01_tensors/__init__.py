r"""
# Tensors

The data every tutorial works on: multi-dimensional arrays, and the rules by which tensors of different shapes combine.

Every page of this chapter writes:

| Notation | Meaning | In the code |
|---|---|---|
| $(n, m)$ | a shape: $n$ rows of $m$ entries; $()$ is a scalar's | ``(n, m)``, ``t.shape`` |
| $a, b$ | the shapes of two operands | ``a``, ``b`` |
| stride | how many entries of storage one step along a dimension skips; 0 for a stretched dimension | ``t.stride()`` |
"""
