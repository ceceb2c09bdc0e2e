"""Models: the Architecture base, :func:`~kerazoo.models._build.build` (head, loss, encoding and
layout decided once), optimizers, channel layouts and devices."""
