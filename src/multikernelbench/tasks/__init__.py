"""Reference tasks: the task record, the bundled library and loading of foreign task files."""

from multikernelbench.tasks.loader import bundled_tasks, load_task, load_task_file, resolve_task
from multikernelbench.tasks.task import Task

__all__ = ["Task", "bundled_tasks", "load_task", "load_task_file", "resolve_task"]
