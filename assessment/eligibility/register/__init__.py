"""The register: registration numbers, the public register, renewal with CPD, lapse."""
