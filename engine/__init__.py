"""ConvLens engine: the network, its data and its training, in plain PyTorch and NumPy.

Nothing here imports Qt, so every part is usable from a script or a notebook.
"""
