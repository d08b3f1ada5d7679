"""
# 价值截断（NumPy 风格）

NumPy 风格的文档字符串在节标题下画一条横线。
"""
import numpy as np


def clipped_value_loss(value, old_value, target, epsilon=0.2):
    """
    PPO 的价值损失，新价值被限制在旧价值附近。

    Parameters
    ----------
    value : np.ndarray
        评论家对每个状态的新价值。
    old_value : np.ndarray
        采集数据时的价值。
    target : np.ndarray
        每个价值应当达到的回报。

    Returns
    -------
    float
        损失，取截断与未截断平方误差中的较大者。
    """
    clipped = old_value + np.clip(value - old_value, -epsilon, epsilon)
    return np.maximum((value - target) ** 2, (clipped - target) ** 2).mean()
