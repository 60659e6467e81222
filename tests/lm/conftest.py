"""The language-model tests run torch on one thread: the machine is shared, small models gain
nothing from more, and one thread keeps float reductions in one order (same seed, same numbers)."""

from __future__ import annotations

import torch

torch.set_num_threads(1)
