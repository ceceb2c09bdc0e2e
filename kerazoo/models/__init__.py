"""Models: the Architecture base, :func:`~kerazoo.build` (head, loss, encoding and
layout decided once), optimizers, channel layouts and devices."""
