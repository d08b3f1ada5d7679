r"""
手动求导，并与自动求导对照。

本文档主要包括:
- 用 NumPy 手动写出函数及其梯度
- 用 PyTorch 自动求导得到同一个梯度
- 检查二者是否一致
本文档用于求导的函数示例是:
$$c = \sum x * y + z$$
本文档还将介绍如何在 PyTorch 中自定义可导函数。
通过继承 ``torch.autograd.Function``，用户可以重写前向传播与反向传播函数，
自定义一个可导的函数。
"""
import numpy as np


# 三个输入形状相同，因此乘法逐元素进行，求和遍历所有元素；
# 和对 x 的梯度因此就是 y。
def gradient_by_hand(x, y):
    return y.copy()
