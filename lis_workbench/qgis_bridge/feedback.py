"""Adapt Processing feedback to the engine's plain progress callback and cancel predicate."""

from __future__ import annotations

from collections.abc import Callable


def progress_from_feedback(feedback) -> Callable[[float, str], None]:
    """A core progress callback (fraction 0..1, message) that drives a QgsProcessingFeedback."""
    last = {"message": None}

    def report(fraction: float, message: str) -> None:
        if feedback is None:
            return
        feedback.setProgress(max(0.0, min(100.0, fraction * 100.0)))
        if message and message != last["message"]:
            feedback.pushInfo(message)
            last["message"] = message

    return report


def cancelled_from_feedback(feedback) -> Callable[[], bool]:
    return lambda: bool(feedback is not None and feedback.isCanceled())
