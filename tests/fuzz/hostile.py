"""Hostile input for the fuzz tests: values, routes from `app.url_map`, and forms as pages show them.

Nothing here knows the app's routes or fields by hand: the routes come from the URL map, the
field names from every WTForms form in `journal`, from the names the views read from
`request.form`/`request.args`, and from the forms the pages themselves render.
"""

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

import journal
from journal.forms import Form

# `FUZZ_SCALE=10 pytest tests/fuzz` for a deeper run than the one `make test` makes.
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))


def fuzz_settings(examples: int) -> settings:
    """Bounded and deterministic: the same examples on every machine, no example database,
    and no shrinking: a failure is reported as found, rather than after minutes of search."""
    return settings(
        max_examples=max(1, round(examples * SCALE)),
        phases=(Phase.explicit, Phase.generate),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


# --- values ------------------------------------------------------------------------------

LONG_LINE = "Jeg øver mig på at lytte. " * 4000  # 104,000 characters, no line break
SPECIAL = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00" * 50,
    "\r\n\r\n",
    "🙂👩🏽‍💼🇩🇰 tillid",
    "مرحبا بالعالم، أتدرب على الاستماع",
    "שלום עולם",
    "\u202eevil\u202c\u200f\u200b\ufeff",
    "e\u0301\u0308\u0323" * 200,
    "Z̴̡̛a̸̢͝l̷g̵o̶",
    "\U0010ffff\ufffe\uffff",
    LONG_LINE,
    "x" * 100_001,
    ("æøå " * 30 + "\n") * 2000,
    # dates
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "9999-99-99",
    "9999-12-31",
    "0001-01-01",
    "1989-12-31",
    "2026-1-1",
    "2026/03/01",
    "١٩٩٠-٠١-٠١",
    "2026-03-01T25:61",
    "2026-03-01.99999999999999999999",
    # numbers
    "0",
    "-1",
    "1",
    "3",
    "6",
    "12",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "9" * 40,
    "1e309",
    "nan",
    "inf",
    "-0",
    "1.5",
    "٣",
    "١٢",
    "１２",
    "²",
    # words the views look for, and things that do not belong anywhere
    "None",
    "null",
    "on",
    "up",
    "down",
    "accept",
    "decline",
    "save",
    "use_prompt",
    "another_prompt",
    "active",
    "achieved",
    "custom",
    "since",
    "vision",
    "da",
    "en",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "//evil.example/",
    "/\\evil.example",
    "%00%ff",
    "../../../etc/passwd",
    "' OR 1=1 --",
    "{{ 7*7 }}%(x)s%s",
    "leader2@esbjerg.example",
    "a@b",
    "ø@æ.dk",
]

# Any text Python can encode as UTF-8 (no lone surrogates), NUL and control characters included.
text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
dates = st.one_of(
    st.dates().map(str),
    st.builds(
        "{:04d}-{:02d}-{:02d}".format,
        st.integers(0, 9999),
        st.integers(0, 99),
        st.integers(0, 99),
    ),
)
numbers = st.one_of(st.integers().map(str), st.floats().map(str))
value = st.one_of(st.sampled_from(SPECIAL), text, dates, numbers)
values = st.one_of(value, st.lists(value, min_size=2, max_size=3))


# Applied to every value of an example at once: one NUL anywhere is rare, in all fields not.
POISONS = {
    "none": lambda text: text,
    "nul": lambda text: f"{text}\x00",
    "controls": lambda text: f"\x00\x07\x1b{text}\x7f\r",
    "rtl": lambda text: f"\u202bשלום {text} مرحبا 🙂\u202c",
    "combining": lambda text: "".join(f"{char}\u0301\u0308" for char in text) or "\u0301",
}
poisons = st.sampled_from(sorted(POISONS))


def poisoned(fields: dict, poison: str, keep=("csrf_token",)) -> dict:
    """Every text value of `fields` (but those named in `keep`) through the same poison."""
    change = POISONS[poison]

    def apply(value):
        if isinstance(value, str):
            return change(value)
        if isinstance(value, list):
            return [apply(item) for item in value]
        return value

    return {name: value if name in keep else apply(value) for name, value in fields.items()}


def hostile_fields(names, max_size: int = 4):
    """A form or query of up to `max_size` of `names`, each with a hostile value (or several)."""
    if not names:
        return st.just({})
    return st.dictionaries(st.sampled_from(sorted(names)), values, max_size=max_size)


# --- field names -------------------------------------------------------------------------

READS = re.compile(r"request\.(form|args|values|files)\.get(?:list)?\(\s*\"([^\"]+)\"")


def names_read_by_views() -> dict[str, set[str]]:
    """Names the code reads straight from the request: {"form": {...}, "args": {...}, ...}."""
    found = {"form": set(), "args": set(), "values": set(), "files": set()}
    for path in Path(journal.__file__).parent.rglob("*.py"):
        for kind, name in READS.findall(path.read_text(encoding="utf-8")):
            found[kind].add(name)
    return found


def form_field_names() -> set[str]:
    """The fields of every WTForms form in the app (imported by `create_app`)."""
    names, pending = set(), [Form]
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names |= {
            name
            for name in dir(form)
            if not name.startswith("_") and hasattr(getattr(form, name), "field_class")
        }
    return names


def all_field_names() -> list[str]:
    """Every name a form or a view might read."""
    read = names_read_by_views()
    return sorted(form_field_names() | read["form"] | read["args"] | read["values"])


def query_names() -> list[str]:
    """Names worth putting in a query string: what views read from it, and the GET forms."""
    read = names_read_by_views()
    return sorted(read["args"] | read["values"] | form_field_names())


# --- routes ------------------------------------------------------------------------------

ARGUMENT = re.compile(r"<(?:([a-z_]+)(?:\([^)]*\))?:)?([a-z_]+)>")


def routes(app, methods=("GET", "POST")) -> list[tuple[Rule, str]]:
    """Every (rule, method) of the app, those that end something (sessions, links, the
    account, its keys) last so that the rest is fuzzed on an intact world."""

    def last(item):
        rule, method = item
        endpoint = rule.endpoint
        risky = any(word in endpoint for word in ("delete", "end", "erase", "unshare"))
        ends_session = endpoint.startswith("auth.") and method == "POST"
        return (ends_session, risky, endpoint, method)

    found = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        if method in methods
    ]
    return sorted(found, key=last)


def build_path(rule: Rule, arguments: dict[str, str]) -> str:
    """The rule's path with each argument replaced by the given text, quoted as a browser would."""

    def fill(match):
        converter, name = match.group(1), match.group(2)
        safe = "/" if converter == "path" else ""
        return quote(arguments[name], safe=safe)

    return ARGUMENT.sub(fill, rule.rule)


def rule_arguments(rule: Rule) -> dict[str, str | None]:
    """Each argument of the rule and its converter."""
    return {name: converter for converter, name in ARGUMENT.findall(rule.rule)}


# --- forms as the pages render them ------------------------------------------------------


# What a leader would type in an empty field of each kind, so that examples reach the save.
PLAUSIBLE = {"text": "Jeg øver mig på at lytte.", "email": "leader3@esbjerg.example"}


class FormHarvester(HTMLParser):
    """The forms of a page: {action: {name: [values]}}, with what a browser would send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict[str, list[str]]] = {}
        self.fields: dict[str, list[str]] | None = None
        self.textarea: str | None = None
        self.select: str | None = None
        self.select_value: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self.fields = self.forms.setdefault(attrs.get("action") or "", {})
        if self.fields is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                # None ticked in a group: the first one is, so the example can be valid.
                if not self.fields.setdefault(name, []):
                    self.fields[name].append(attrs.get("value") or "on")
                return
            if kind not in ("submit", "file", "button"):
                given = attrs.get("value") or PLAUSIBLE.get(kind, "")
                self.fields.setdefault(name, []).append(given)
        elif tag == "button" and name:
            self.fields.setdefault(name, [])  # pressed or not: a name the view reads
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields.setdefault(name, []).append("")
        elif tag == "select" and name:
            self.select, self.select_value = name, None
            self.fields.setdefault(name, [])
        elif tag == "option" and self.select and (self.select_value is None or "selected" in attrs):
            self.select_value = attrs.get("value", "")

    def handle_data(self, data):
        if self.textarea and self.fields is not None:
            self.fields[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea and self.fields is not None:
            # An empty text area gets some text: the example then gets past "write something".
            if not self.fields[self.textarea][-1].strip():
                self.fields[self.textarea][-1] = PLAUSIBLE["text"]
            self.textarea = None
        elif tag == "select" and self.select and self.fields is not None:
            if self.select_value is not None:
                self.fields[self.select].append(self.select_value)
            self.select = None
        elif tag == "form":
            self.fields = None


def harvest_page(response) -> dict[str, dict[str, list[str]]]:
    """The POST forms of one answer, by action (none if it is not a page)."""
    if response.mimetype != "text/html":
        response.close()
        return {}
    parser = FormHarvester()
    parser.feed(response.get_data(as_text=True))
    response.close()
    return parser.forms


def harvest(client, pages) -> dict[str, dict[str, list[str]]]:
    """The POST forms found on `pages`, by action: what the page would send if submitted."""
    forms: dict[str, dict[str, list[str]]] = {}
    for page in pages:
        for action, fields in harvest_page(client.get(page)).items():
            forms.setdefault(action, fields)
    return forms
