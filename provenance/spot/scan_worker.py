"""Entry point of a sampling worker process (``python -m provenance.spot.scan_worker``): kept
apart from ``scan`` so what it sends back pickles under its real module name."""

from __future__ import annotations

from provenance.spot.scan import work

if __name__ == "__main__":
    work()
