"""
Generalized advantage estimation.

GAE mixes n-step returns with an exponential weight, trading the bias of
one-step bootstrapping against the variance of Monte Carlo returns.
"""
import numpy as np


def gae(value, reward, gamma=0.99, lambda_=0.97):
    """
    Overview:
        Compute the generalized advantage estimation of a batch of
        trajectories, walking them backwards in time.
    Arguments:
        - value (:obj:`np.ndarray`): the critic's value of each step, with one more step than the rewards,
            used to bootstrap the last one.
        - reward (:obj:`np.ndarray`): the reward of each step.
        - gamma (:obj:`float`): the future discount factor, defaults to 0.99.
        - lambda_ (:obj:`float`): the GAE mixing factor, defaults to 0.97.
    Returns:
        - adv (:obj:`np.ndarray`): the advantage of each step.
    Shapes:
        - value (:obj:`np.ndarray`): :math:`(T+1, B)`, where T is the trajectory length and B the batch size.
        - reward (:obj:`np.ndarray`): :math:`(T, B)`.
    Examples:
        >>> value = np.zeros((3, 2))
        >>> gae(value, np.ones((2, 2))).shape
        (2, 2)
    """
    delta = reward + gamma * value[1:] - value[:-1]
    adv = np.zeros_like(reward)
    running = 0.0
    for t in reversed(range(len(reward))):
        running = delta[t] + gamma * lambda_ * running
        adv[t] = running
    return adv
