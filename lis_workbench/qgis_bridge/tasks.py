"""Long work off the QGIS window: a study run as a QgsTask, its progress in QGIS's task bar, with Cancel.

The work is a plain function of the engine's progress callback and cancel predicate (it opens its own store
connection, as SQLite connections stay in their thread); what to do with the answer (draw pages, add layers) runs
back on the main thread when the task ends.
"""

from __future__ import annotations

from collections.abc import Callable

from qgis.core import QgsApplication, QgsTask

from ..core.errors import Cancelled, LisError

_RUNNING: list = []  # the task manager holds only a pointer: the Python objects live until they finish


class StudyTask(QgsTask):
    """work(progress, cancelled) in the background; done(result) or failed(message) on the main thread."""

    def __init__(self, description: str, work: Callable, done: Callable | None = None,
                 failed: Callable[[str], None] | None = None) -> None:
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.work, self.done, self.failed = work, done, failed
        self.result = None
        self.error: str | None = None
        self.stopped = False

    def run(self) -> bool:
        try:
            self.result = self.work(lambda fraction, _message="": self.setProgress(100.0 * fraction),
                                    self.isCanceled)
            return True
        except Cancelled:
            self.stopped = True
            return False
        except LisError as exc:
            self.error = str(exc)
            return False
        except Exception as exc:  # a fault in the work: shown, never lost in a thread
            self.error = f"{type(exc).__name__}: {exc}"
            return False

    def finished(self, ok: bool) -> None:
        try:
            if ok and self.done is not None:
                self.done(self.result)
            elif not ok and self.failed is not None:
                self.failed("Stopped; nothing was written." if self.stopped or self.isCanceled()
                            else self.error or "The work did not finish.")
        finally:
            if self in _RUNNING:
                _RUNNING.remove(self)


def start(task: StudyTask) -> StudyTask:
    """Hand the task to QGIS's task manager (progress bar and Cancel in the status bar)."""
    _RUNNING.append(task)
    QgsApplication.taskManager().addTask(task)
    return task
