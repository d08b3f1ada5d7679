"""
# Value clipping, NumPy style

Docstrings in NumPy's style underline their section titles.
"""
import numpy as np


def clipped_value_loss(value, old_value, target, epsilon=0.2):
    """
    The value loss of PPO, with the new value kept near the old one.

    Parameters
    ----------
    value : np.ndarray
        The critic's new value of each state.
    old_value : np.ndarray
        The value the data was collected with.
    target : np.ndarray
        The return each value should reach.

    Returns
    -------
    float
        The loss, the larger of the clipped and unclipped squared errors.
    """
    clipped = old_value + np.clip(value - old_value, -epsilon, epsilon)
    return np.maximum((value - target) ** 2, (clipped - target) ** 2).mean()
