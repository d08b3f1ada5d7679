"""
广义优势估计（GAE）

GAE 以指数权重混合多步回报，
在单步自举的偏差与蒙特卡洛回报的方差之间取得平衡。
"""
import numpy as np


def gae(value, reward, gamma=0.99, lambda_=0.97):
    """
    **Overview**:
        计算一批轨迹的广义优势估计，
        沿时间从后向前遍历。
    **Arguments**:
        - value (:obj:`np.ndarray`): 每一步的价值估计，
            比奖励多一步，用于最后一步的自举。
        - reward (:obj:`np.ndarray`): 每一步的奖励。
        - gamma (:obj:`float`): 未来折扣因子，默认为 0.99。
    **Returns**:
        - adv (:obj:`np.ndarray`): 每一步的优势。
    **Shapes**:
        - value (:obj:`np.ndarray`): :math:`(T+1, B)`，其中 T 为轨迹长度，B 为批大小。
    """
    delta = reward + gamma * value[1:] - value[:-1]
    adv = np.zeros_like(reward)
    running = 0.0
    for t in reversed(range(len(reward))):
        running = delta[t] + gamma * lambda_ * running
        adv[t] = running
    return adv
