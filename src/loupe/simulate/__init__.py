"""The shop simulator: API-call traffic of the jewelry shop, its ground truth and its database."""

from loupe.simulate.options import SimulationOptions, SimulationSummary
from loupe.simulate.outputs import CallOutput, CollectingOutput, NdjsonOutput, WriterOutput
from loupe.simulate.run import run_simulation

__all__ = [
    "CallOutput",
    "CollectingOutput",
    "NdjsonOutput",
    "SimulationOptions",
    "SimulationSummary",
    "WriterOutput",
    "run_simulation",
]
