r"""
# Backpropagation by hand

Every gradient of a small neural network derived on paper, written as code and proven by a test: elementwise activations, broadcasting, softmax with cross-entropy, a two-layer classifier trained by hand, and layer normalization.

Every page of this chapter writes:

| Notation | Meaning | In the code |
|---|---|---|
| $L$ | the scalar loss at the end of the network | |
| $x$, $y$ | a function's input and output | ``x``, ``y`` |
| $g = \partial L / \partial y$ | the upstream gradient, of the shape of $y$ (chapter 2's $\nabla output$) | ``grad_output``, ``g`` |
| $\partial L / \partial x$ | what a backward pass returns, of the shape of $x$ | ``grad_x`` |
| $G_T = \partial L / \partial T$ | the same for a matrix $T$ of the two-layer network | ``G_W1``, ``G_H`` |
| $\hat{g}$ | in layer normalization, the gradient that reaches $\hat{x}$ | ``g_hat`` |
| $\odot$ | the entrywise product | ``*`` |
| $\langle v \rangle$ | the mean over a row | ``.mean(dim=-1)`` |
| $W$ | a weight matrix of shape ``(in, out)``, applied as $XW$; ``nn.Linear`` and chapter 2 store the same map transposed, ``(out, in)``, and write $x W^T$ | ``W1``, ``W2`` |
| $p = \operatorname{softmax}(z)$, $y \in \{0, \dots, C-1\}$ | probabilities from logits $z$, and a label counted from 0 | ``p``, ``y`` |
"""
