"""The scheduler (`loupe run`), the one-process server (`loupe serve`) and `loupe status`."""

from loupe.scheduler.options import SchedulerOptions
from loupe.scheduler.scheduler import Scheduler
from loupe.scheduler.specs import JobSpec, default_specs

__all__ = ["JobSpec", "Scheduler", "SchedulerOptions", "default_specs"]
