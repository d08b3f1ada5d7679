r"""
# Build the engine

Autograd built by hand and taken apart: a reverse-mode engine on tensors, vector–Jacobian products against forward mode, second derivatives, and why a loss takes logits. Each page checks itself against PyTorch, and shows the wrong versions its tests reject.

Every page of this chapter writes:

| Notation | Meaning | In the code |
|---|---|---|
| $f : \mathbb{R}^n \to \mathbb{R}^m$ | a function of $n$ inputs and $m$ outputs | ``f`` |
| $J = \partial f / \partial x$ | its Jacobian, $m \times n$ | ``jacobian`` |
| $u$, $u^\top J$ | an upstream gradient (one per output) and the vector–Jacobian product reverse mode computes | ``u``, ``vjp`` |
| $v$, $J v$ | a direction (one per input) and the Jacobian–vector product forward mode computes | ``v``, ``jvp`` |
| $H$, $H v$ | the Hessian of a scalar and a Hessian–vector product | ``hessian``, ``hvp`` |
| $G_T = \partial L / \partial T$ | the gradient of the loss with respect to $T$, as in chapter 3 | ``T.grad`` |
| $z$, $p = \operatorname{softmax}(z)$, $y$ | logits, probabilities and a label counted from 0, as in chapter 3 | ``z``, ``p``, ``y`` |
"""
