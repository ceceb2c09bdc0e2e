"""The saliency methods by name, and how pictures title them.

Plain Python (no keras), so the command line lists the methods without starting a backend.
"""

from __future__ import annotations

__all__ = ["SALIENCY_METHODS", "TITLES"]

#: The methods of :func:`kerazoo.interpret.saliency`, in the order pictures show them.
SALIENCY_METHODS = ("gradients", "smoothgrad", "gradcam", "occlusion")

#: How a picture's column names a method (the rest go by their own name).
TITLES = {"smoothgrad": "SmoothGrad", "gradcam": "Grad-CAM"}
