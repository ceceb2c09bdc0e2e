"""The zoo: trained reference models shipped in installed packages, with their cards
(``kerazoo zoo list/show/get/verify``, ``zoo:NAME`` wherever a model is accepted)."""
