"""The leadership framework (themes and their tasks), loaded from a TOML data file.

Journal entries and goals store task keys only, so a framework file can be edited or replaced
by another municipality's without losing tags. That is why the loader is strict: a typo in a
key or field should stop the app at start-up, not silently drop tags later.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, NoReturn

from flask import current_app

DEFAULT_FRAMEWORK_FILE = Path(__file__).with_name("esbjerg.toml")

_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_LANGUAGES = {"da": "Danish", "en": "English"}
MAX_REVIEW_QUESTIONS = 5  # per task: a review asks one of them
_FIELDS = {
    "framework": ("key", "name", "version", "themes", "templates"),
    "theme": ("key", "name", "description", "tasks"),
    "task": ("key", "name", "lead", "bullets", "prompts", "review_questions"),
    "template": ("key", "name", "tasks", "questions"),
}


class FrameworkError(Exception):
    """A framework file is missing, unreadable or malformed; the message names file and problem."""


@dataclass(frozen=True)
class Text:
    """A text in Danish (the original) and English."""

    da: str
    en: str

    def get(self, locale: str) -> str:
        """Return the text for "da", "en" or e.g. "en_GB"; other languages get Danish."""
        language = re.split(r"[_-]", locale or "", maxsplit=1)[0].lower()
        return self.en if language == "en" else self.da

    def __str__(self) -> str:
        return self.da


@dataclass(frozen=True)
class Task:
    """A leadership task; `bullets` complete its `lead` ("... handler om, at:").

    `prompts` holds one reflection question per bullet, in the same order, or none at all;
    `review_questions` look back on a review's period (months, not a day), or none at all.
    """

    key: str
    name: Text
    lead: Text
    bullets: tuple[Text, ...]
    prompts: tuple[Text, ...]
    theme_key: str
    review_questions: tuple[Text, ...] = ()


@dataclass(frozen=True)
class Theme:
    """A leadership theme and its tasks, in the file's order."""

    key: str
    name: Text
    description: Text
    tasks: tuple[Task, ...]


@dataclass(frozen=True)
class Template:
    """A guided reflection ("After a meeting"): questions to answer in the text, and the
    tasks (by key) a reflection written with it is about."""

    key: str
    name: Text
    task_keys: tuple[str, ...]
    questions: tuple[Text, ...]


@dataclass(frozen=True)
class Framework:
    """A whole framework; `path` is the file it was loaded from."""

    key: str
    name: Text
    themes: tuple[Theme, ...]
    path: str
    templates: tuple[Template, ...] = ()

    # Worked out once: pages look tasks up by key for every tag they show.
    @cached_property
    def tasks(self) -> tuple[Task, ...]:
        """All tasks, theme by theme, in the file's order."""
        return tuple(task for theme in self.themes for task in theme.tasks)

    @cached_property
    def task_keys(self) -> frozenset[str]:
        """The keys of all tasks, e.g. for checking stored tags."""
        return frozenset(self._tasks_by_key)

    @cached_property
    def _tasks_by_key(self) -> dict[str, Task]:
        return {task.key: task for task in self.tasks}

    @cached_property
    def memo(self) -> dict:
        """What pages work out from this framework and keep (e.g. tags as HTML, by
        language): nobody's data, the same until the framework is loaded again."""
        return {}

    def task(self, key: str) -> Task:
        """Return the task with this key; raise KeyError if there is none."""
        return self._tasks_by_key[key]

    def template(self, key: str) -> Template:
        """Return the guided reflection with this key; raise KeyError if there is none."""
        for template in self.templates:
            if template.key == key:
                return template
        raise KeyError(key)

    def theme(self, key: str) -> Theme:
        """Return the theme with this key; raise KeyError if there is none."""
        for theme in self.themes:
            if theme.key == key:
                return theme
        raise KeyError(key)


def current_framework() -> Framework:
    """The framework this app loaded at start-up from FRAMEWORK_FILE."""
    return current_app.extensions["framework"]


def stale_task_keys(keys: list[str]) -> list[str]:
    """Tags of tasks no longer in the framework file: kept, never silently dropped."""
    return [key for key in keys if key not in current_framework().task_keys]


def load_framework(path: str | os.PathLike[str]) -> Framework:
    """Read and validate a framework TOML file; raise FrameworkError naming file and problem."""
    path = Path(path)

    def fail(problem: str) -> NoReturn:
        raise FrameworkError(f"Framework file {path}: {problem}")

    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        fail(f"cannot be read ({exc.strerror or exc})")
    except UnicodeDecodeError as exc:
        fail(f"is not valid UTF-8 ({exc})")
    except tomllib.TOMLDecodeError as exc:
        fail(f"is not valid TOML: {exc}")
    return _Parser(fail).framework(data, str(path))


class _Parser:
    """Turns parsed TOML into dataclasses; `where` is a location like "themes[1].tasks[0]"."""

    def __init__(self, fail: Callable[[str], NoReturn]) -> None:
        self.fail = fail
        self.task_places: dict[str, str] = {}

    def framework(self, data: dict[str, Any], path: str) -> Framework:
        where = "the top level"
        self.check_fields(data, where, "framework")
        key, name = self.key(data, where), self.text(data.get("name"), where, "name")
        version = data.get("version", 1)
        if not isinstance(version, int) or isinstance(version, bool):
            self.fail("'version' must be a whole number")
        themes: list[Theme] = []
        for i, item in enumerate(self.tables(data, where, "themes")):
            theme = self.theme(item, f"themes[{i}]")
            if any(theme.key == other.key for other in themes):
                self.fail(f"themes[{i}] has a duplicate theme key {theme.key!r}")
            themes.append(theme)
        # Guided reflections are optional: a framework can go live without them.
        templates: list[Template] = []
        for i, item in enumerate(
            self.tables(data, where, "templates") if "templates" in data else []
        ):
            template = self.template(item, f"templates[{i}]")
            if any(template.key == other.key for other in templates):
                self.fail(f"templates[{i}] has a duplicate template key {template.key!r}")
            templates.append(template)
        return Framework(key, name, tuple(themes), path, tuple(templates))

    def theme(self, data: dict[str, Any], where: str) -> Theme:
        self.check_fields(data, where, "theme")
        key, name = self.key(data, where), self.text(data.get("name"), where, "name")
        description = self.text(data.get("description"), where, "description")
        tasks = tuple(
            self.task(item, f"{where}.tasks[{i}]", key)
            for i, item in enumerate(self.tables(data, where, "tasks"))
        )
        return Theme(key, name, description, tasks)

    def task(self, data: dict[str, Any], where: str, theme_key: str) -> Task:
        self.check_fields(data, where, "task")
        key, name = self.key(data, where), self.text(data.get("name"), where, "name")
        # Tags store the task key alone, so it must be unique across all themes.
        if key in self.task_places:
            self.fail(f"{where} has a duplicate task key {key!r} (also {self.task_places[key]})")
        self.task_places[key] = where
        lead = self.text(data.get("lead"), where, "lead")
        bullets = self.texts(data, where, "bullets")
        # Prompts may be left out (a new framework can go live before they are written),
        # but when given there is exactly one per bullet.
        prompts = self.texts(data, where, "prompts") if "prompts" in data else ()
        if prompts and len(prompts) != len(bullets):
            self.fail(f"{where} has {len(bullets)} bullets but {len(prompts)} prompts")
        # Questions for the review may be left out too: the review then asks about the
        # tasks that have them (and the goals), rather than stopping a framework going live.
        review_questions = (
            self.texts(data, where, "review_questions") if "review_questions" in data else ()
        )
        if len(review_questions) > MAX_REVIEW_QUESTIONS:
            self.fail(
                f"{where} has {len(review_questions)} review_questions"
                f" (at most {MAX_REVIEW_QUESTIONS})"
            )
        return Task(key, name, lead, bullets, prompts, theme_key, review_questions)

    def template(self, data: dict[str, Any], where: str) -> Template:
        self.check_fields(data, where, "template")
        key, name = self.key(data, where), self.text(data.get("name"), where, "name")
        # Templates come after the themes, so every task key is known by now.
        task_keys = data.get("tasks")
        if not isinstance(task_keys, list) or not task_keys:
            self.fail(f'{where} has no tasks (tasks = ["task-key", ...])')
        for task_key in task_keys:
            if not isinstance(task_key, str) or task_key not in self.task_places:
                self.fail(
                    f"{where} refers to an unknown task {task_key!r}"
                    f" (known: {', '.join(self.task_places)})"
                )
        questions = self.texts(data, where, "questions")
        return Template(key, name, tuple(dict.fromkeys(task_keys)), questions)

    def check_fields(self, data: dict[str, Any], where: str, kind: str) -> None:
        unknown = sorted(set(data) - set(_FIELDS[kind]))
        if unknown:
            self.fail(
                f"{where} has unknown field(s) {', '.join(map(repr, unknown))}"
                f" (allowed: {', '.join(_FIELDS[kind])})"
            )

    def key(self, data: dict[str, Any], where: str) -> str:
        key = data.get("key")
        if key is None:
            self.fail(f"{where} has no 'key'")
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            self.fail(f"{where} has an invalid key {key!r} (use kebab-case like 'follow-up')")
        return key

    def tables(self, data: dict[str, Any], where: str, field: str) -> list[dict[str, Any]]:
        items = data.get(field)
        if not items:
            self.fail(f"{where} has no {field}")
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            self.fail(f"{where}: '{field}' must be an array of tables")
        return items

    def texts(self, data: dict[str, Any], where: str, field: str) -> tuple[Text, ...]:
        items = data.get(field)
        if not isinstance(items, list) or not items:
            self.fail(f"{where} has no {field} ({field} = [{{ da = ..., en = ... }}, ...])")
        return tuple(self.text(item, where, f"{field}[{i}]") for i, item in enumerate(items))

    def text(self, value: Any, where: str, name: str) -> Text:
        if value is None:
            self.fail(f"{where} has no '{name}'")
        if not isinstance(value, dict):
            self.fail(f"{where}: '{name}' must be a table like {{ da = '...', en = '...' }}")
        unknown = sorted(set(value) - set(_LANGUAGES))
        if unknown:
            self.fail(f"{where}: '{name}' has unknown field(s) {', '.join(map(repr, unknown))}")
        for lang, language in _LANGUAGES.items():
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                self.fail(f"{where} has no {language} '{name}' ({name}.{lang})")
        return Text(da=value["da"].strip(), en=value["en"].strip())
