"""Spot checks: sampling, verifiers, the reference server, the verdict cache, the HTTP client."""
