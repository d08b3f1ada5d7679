"""PPO 的截断替代损失让每次更新都靠近采集数据时的策略。"""
import numpy as np


def clipped_loss(ratio, advantage, epsilon=0.2):
    """先截断概率比，再乘以优势。

    Args:
        ratio (np.ndarray): 新策略与旧策略
            对每个动作的概率之比。
        advantage (np.ndarray): 每个动作的优势。
        epsilon (float): 概率比偏离 1 的最大幅度。

    Returns:
        float: 需要最小化的损失。

    Raises:
        ValueError: 当 ratio 与 advantage 形状不同时。
    """
    if ratio.shape != advantage.shape:
        raise ValueError("ratio and advantage must have one shape")
    clipped = np.clip(ratio, 1 - epsilon, 1 + epsilon)
    return -np.minimum(ratio * advantage, clipped * advantage).mean()
