"""Every list of choices the app offers, written once: key -> what people read.

The engine validates against the keys; the CLI offers them as argparse choices; the GUI shows
the values in its combo boxes and panel titles.
"""

OPTIMIZERS = {"adam": "Adam", "sgd": "SGD with momentum"}
SCHEDULES = {
    "onecycle": "One cycle (warm up, anneal)",
    "cosine": "Cosine",
    "constant": "Constant",
}
LOSSES = {
    "ce": "Cross-entropy",
    "mse": "Total error ½ Σ (target − output)² on the softmax",
}
ACTIVATIONS = {"relu": "ReLU", "leaky_relu": "Leaky ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh"}
POOL_OPS = {"max": "Max", "min": "Min", "average": "Average", "sum": "Sum"}
FLATTEN_ORDERS = {"row": "row by row (row-major)", "column": "column by column (column-major)"}
DEVICES = {"auto": "the fastest available", "cpu": "CPU", "cuda": "CUDA GPU", "mps": "Apple GPU"}
