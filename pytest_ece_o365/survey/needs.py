"""What a check may ask the survey for, as types: a :class:`Need` yields one observation type, and
:class:`SurveyEnv` is what its ``observe`` may use.

This module holds no I/O and imports nothing of the probes, so probe modules, checks and the survey all
depend on it and it on none of them.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

if TYPE_CHECKING:
    from pytest_ece_o365.config.deployment import DeploymentConfig
    from pytest_ece_o365.secret import SecretSource

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


@runtime_checkable
class Need(Hashable, Protocol[T_co]):
    """What a check asks the survey for: hashable (the survey's cache key), and able to observe itself.

    ``Need[T]`` observes a ``T``, so ``survey.get(need)`` is a ``T`` without annotation or cast.
    """

    def observe(self, env: SurveyEnv) -> T_co: ...


class NestedObserver(Protocol):
    """The survey as a need's ``observe`` sees it: it can compute another need's observation inline."""

    def observe_nested(self, need: Need[T]) -> T: ...

    def waiting_since(self, need: Need[object]) -> float:
        """When (``time.monotonic()``) ``need``'s probe began, its sub-needs' waits included; else now."""
        ...


@dataclass(frozen=True)
class SurveyEnv:
    """What a probe may use: the deployment, the per-probe timeout, the run's secrets, and the survey
    for sub-needs."""

    config: DeploymentConfig
    timeout: float
    survey: NestedObserver
    secrets: SecretSource

    def get(self, need: Need[T]) -> T:
        """Another need's observation, computed here (or awaited if another thread is computing it).

        A need's sub-needs are part of it: they need not have been gathered, unlike a check's.
        """
        return self.survey.observe_nested(need)

    def remaining(self, need: Need[object]) -> float:
        """What is left of the timeout for ``need``, counted from when its probe began (waiting for its
        sub-needs included), not from when its sub-needs arrived: a slow token does not buy its mailbox session a second
        timeout, so a hung or slow login host costs the run one timeout, not two (issue 13)."""
        return self.timeout - (time.monotonic() - self.survey.waiting_since(need))
