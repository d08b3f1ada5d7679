r"""
# Automatic differentiation

How PyTorch computes gradients for us, how to compute them by hand, and how to give a function a gradient of our own. Read in order: finite differences, the check every later page relies on; autograd basics; then a custom ``Function``, checked by both.

Every page of this chapter writes:

| Notation | Meaning | In the code |
|---|---|---|
| $x, y, z$ | the inputs of the chapter's function, all of one shape | ``x``, ``y``, ``z`` |
| $c = \sum_{ij} (x_{ij} y_{ij} + z_{ij})$ | the chapter's function, a scalar | ``c`` |
| $\odot$ | the entrywise product | ``*`` |
| $\nabla v$, or $\nabla_v c$ | the gradient of the final scalar with respect to $v$, of the shape of $v$ | ``v.grad``, ``grad_v`` |
| $\nabla output$ | the upstream gradient: the gradient that reaches a function's output | ``grad_output`` |
| $J = \partial v / \partial x$ | a Jacobian; backward computes $u^\top J$ without building it | |
| $weight$ | a weight matrix of shape ``(out, in)``, as ``nn.Linear`` stores it: $output = input \cdot weight^T + bias$ | ``weight``, ``w`` |
| $f, h$ | a function and the step of a finite difference | ``f``, ``h`` |
"""
