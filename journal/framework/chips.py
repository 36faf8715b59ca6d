"""Task chips: the coloured tags that show which framework tasks an entry or goal is about."""

from markupsafe import Markup

from journal.framework import Framework
from journal.i18n import current_language


def task_chips(task_keys: list[str], framework: Framework, label: str) -> Markup:
    """The chips of `task_keys` as a list titled `label`; tags of tasks no longer in the
    framework are left out. A page shows dozens, all made from a few dozen combinations:
    each is made once per language and kept on the framework (no one's data in it)."""
    if not task_keys:
        return Markup("")
    key = ("chips", tuple(task_keys), current_language(), label)
    chips = framework.memo.get(key)
    if chips is None:
        chips = framework.memo[key] = _chips(task_keys, framework, key[2], label)
    return chips


def _chips(task_keys: list[str], framework: Framework, language: str, label: str) -> Markup:
    item = Markup('  <li class="chip chip-{}">{}</li>\n')
    items = Markup("").join(
        item.format(task.theme_key, task.name.get(language))
        for task in (framework.task(key) for key in task_keys if key in framework.task_keys)
    )
    return Markup('<ul class="chips" aria-label="{}">\n{}</ul>\n').format(label, items)
