"""The clipped surrogate loss of PPO keeps each update close to the policy that collected the data. It is the heart of the method."""
import numpy as np


def clipped_loss(ratio, advantage, epsilon=0.2):
    """Clip the probability ratio before weighting the advantage.

    Args:
        ratio (np.ndarray): the new policy's probability of each action over
            the old policy's.
        advantage (np.ndarray): the advantage of each action.
        epsilon (float): how far the ratio may move from 1.

    Returns:
        float: the loss, to be minimised.

    Raises:
        ValueError: when the shapes of ratio and advantage differ.
    """
    if ratio.shape != advantage.shape:
        raise ValueError("ratio and advantage must have one shape")
    clipped = np.clip(ratio, 1 - epsilon, 1 + epsilon)
    return -np.minimum(ratio * advantage, clipped * advantage).mean()
