"""Markdown for entries: formatting, headings, plain-text excerpts and XSS vectors.

Every XSS vector is checked three ways:

- ``render_markdown`` neutralises it (the code under test, both layers together);
- ``sanitise_html`` alone neutralises what a careless renderer would make of it, so the
  nh3 layer does not lean on the Markdown layer;
- ``is_safe`` *rejects* what that careless renderer makes of it, so each vector really
  is dangerous unsanitised and its test fails should the sanitising ever break.
"""

import html
import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from markdown_it import MarkdownIt
from markupsafe import Markup

from journal.entries.markdown import plain_text, render_markdown, sanitise_html

# Spelled out here rather than imported: the test states what is allowed on its own.
ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "rel"}, "ol": {"start"}}
FORBIDDEN_TAGS = (
    "script",
    "svg",
    "math",
    "iframe",
    "object",
    "embed",
    "style",
    "img",
    "form",
    "input",
    "base",
    "meta",
    "link",
)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "content"}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")
# What browsers skip inside a URL ("java\tscript:" runs), and other white space.
URL_IGNORED = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.other: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        self.tags.append((tag, []))

    def handle_comment(self, data):
        self.other.append(f"comment {data!r}")

    def handle_decl(self, decl):
        self.other.append(f"declaration {decl!r}")

    def unknown_decl(self, data):
        self.other.append(f"declaration {data!r}")

    def handle_pi(self, data):
        self.other.append(f"processing instruction {data!r}")


def _normalise_url(value: str) -> str:
    for _ in range(3):
        value = unquote(html.unescape(value))
    return URL_IGNORED.sub("", value).lower()


def problems(output: str) -> list[str]:
    """Everything unsafe about ``output``; empty if it is safe."""
    found = []
    lowered = output.lower()
    found += [f"<{tag} in output" for tag in FORBIDDEN_TAGS if f"<{tag}" in lowered]
    parser = _Collector()
    parser.feed(output)
    parser.close()
    found += parser.other
    for tag, attrs in parser.tags:
        if tag not in ALLOWED_TAGS:
            found.append(f"tag {tag}")
        for name, value in attrs:
            if re.fullmatch(r"on\w+", name):
                found.append(f"event handler {name}={value!r} on {tag}")
            elif name not in ALLOWED_ATTRIBUTES.get(tag, set()):
                found.append(f"attribute {name}={value!r} on {tag}")
            if name in URL_ATTRIBUTES and value is not None:
                url = _normalise_url(value)
                found += [f"{scheme} in {name} on {tag}" for scheme in BAD_SCHEMES if scheme in url]
    return found


def assert_safe(output: str) -> None:
    assert problems(output) == [], output


def _render_attributes_unescaped(attrs) -> str:
    return "".join(f' {name}="{value}"' for name, value in attrs.items())


def _careless_link_open(self, tokens, idx, options, env):
    return f"<a{_render_attributes_unescaped(tokens[idx].attrs)}>"


def _careless_image(self, tokens, idx, options, env):
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    return f'<img alt="{alt}"{_render_attributes_unescaped(token.attrs)}>'


def _careless_renderer() -> MarkdownIt:
    """markdown-it as someone might set it up without thinking of XSS."""
    md = MarkdownIt("commonmark", {"html": True, "breaks": True})
    md.enable(["table", "strikethrough"])
    md.validateLink = lambda url: True
    md.add_render_rule("link_open", _careless_link_open)
    md.add_render_rule("image", _careless_image)
    return md


careless = _careless_renderer()

XSS_VECTORS = [
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param("<SCRIPT SRC=//evil.example/x.js></SCRIPT>", id="script-src-uppercase"),
    pytest.param("Text\n\n<script>\nalert(1)\n</script>\n", id="script-block"),
    pytest.param("<img src=x onerror=alert(1)>", id="img-onerror"),
    pytest.param("<svg onload=alert(1)>", id="svg-onload"),
    pytest.param("<svg><script>alert(1)</script></svg>", id="svg-script"),
    pytest.param("[x](javascript:alert(1))", id="link-javascript"),
    pytest.param("[x](JaVaScRiPt:alert(1))", id="link-mixed-case"),
    pytest.param("[x](java&#115;cript:alert(1))", id="link-decimal-entity"),
    pytest.param("[x](&#x6A;avascript:alert(1))", id="link-hex-entity"),
    pytest.param("[x](javascript&colon;alert(1))", id="link-named-entity-colon"),
    pytest.param("[x](%6Aavascript:alert(1))", id="link-percent-encoded"),
    pytest.param("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", id="link-data"),
    pytest.param("[x](vbscript:msgbox(1))", id="link-vbscript"),
    pytest.param("<javascript:alert(1)>", id="autolink-javascript"),
    pytest.param("<JaVaScRiPt:alert(1)>", id="autolink-mixed-case"),
    pytest.param("[x][evil]\n\n[evil]: javascript:alert(1)", id="reference-link"),
    pytest.param('[x][evil]\n\n[evil]: <javascript:alert(1)> "t"', id="reference-angle"),
    pytest.param('<a href="<script>">x</a>', id="nested-markup-in-href"),
    pytest.param("<div><p>nested</p></div>", id="nested-div"),
    pytest.param("![x](javascript:alert(1))", id="image-javascript"),
    pytest.param("![x](data:image/png;base64,iVBORw0KGgo=)", id="image-data"),
    pytest.param("![x](https://evil.example/track.gif)", id="image-remote"),
    pytest.param(
        '[x](https://example.com "a\\" onmouseover=\\"alert(1)")', id="title-quote-breakout"
    ),
    pytest.param("[x](https://example.com 'a\" onmouseover=\"alert(1)')", id="title-single-quoted"),
    pytest.param("<!-- <script>alert(1)</script> -->", id="html-comment"),
    pytest.param("<!--><img src=x onerror=alert(1)>-->", id="html-comment-breakout"),
    pytest.param("<![CDATA[<script>alert(1)</script>]]>", id="cdata"),
    pytest.param('<iframe src="javascript:alert(1)"></iframe>', id="iframe"),
    pytest.param(
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", id="mutation-xss"
    ),
    pytest.param('<a href="java\nscript:alert(1)">x</a>', id="raw-href-newline"),
    pytest.param("[x](<java\tscript:alert(1)>)", id="link-tab"),
    pytest.param("[x](java&#x0A;script:alert(1))", id="link-newline-entity"),
    pytest.param("[x](java&#9;script:alert(1))", id="link-tab-entity"),
    pytest.param("[x](  javascript:alert(1))", id="link-leading-spaces"),
    pytest.param(
        '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
        id="raw-href-all-entities",
    ),
    pytest.param('<p style="background:url(javascript:alert(1))">x</p>', id="style-attribute"),
    pytest.param("<style>*{background:url(javascript:alert(1))}</style>", id="style-element"),
    pytest.param('<object data="javascript:alert(1)"></object>', id="object"),
    pytest.param('<embed src="javascript:alert(1)">', id="embed"),
    pytest.param('<form action="javascript:alert(1)"><input type=submit></form>', id="form-input"),
    pytest.param('<base href="javascript:alert(1)//">', id="base"),
    pytest.param(
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', id="meta-refresh"
    ),
    pytest.param('<link rel="stylesheet" href="javascript:alert(1)">', id="link-element"),
    pytest.param("<details open ontoggle=alert(1)>", id="details-ontoggle"),
    pytest.param("| a |\n|---|\n| <img src=x onerror=alert(1)> |", id="table-cell"),
    pytest.param("**<svg onload=alert(1)>**", id="inside-emphasis"),
]


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_xss_vector_is_neutralised(vector):
    output = render_markdown(vector)
    assert isinstance(output, Markup)
    assert_safe(output)


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_sanitiser_alone_neutralises_a_careless_rendering(vector):
    assert_safe(sanitise_html(careless.render(vector)))


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_vector_is_dangerous_without_sanitising(vector):
    """Guards the two tests above: each vector must trip the checks when nothing cleans it."""
    assert problems(careless.render(vector)), careless.render(vector)


def test_typed_html_is_shown_as_text():
    assert render_markdown("<b>bold</b> & <i>") == Markup(
        "<p>&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;</p>\n"
    )


def test_bold_italic_strikethrough_and_code():
    output = render_markdown("**bold** *italic* ~~gone~~ `x < y`")
    assert output == Markup(
        "<p><strong>bold</strong> <em>italic</em> <s>gone</s> <code>x &lt; y</code></p>\n"
    )


def test_single_line_breaks_are_kept():
    output = render_markdown("First line\nsecond line")
    assert output == Markup("<p>First line<br>\nsecond line</p>\n")


def test_lists():
    assert render_markdown("- one\n- two") == Markup("<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n")
    assert render_markdown("3. three\n4. four") == Markup(
        '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>\n'
    )


def test_links_get_rel_and_keep_title():
    output = render_markdown('[the plan](https://example.com/plan?a=1&b=2 "Our plan")')
    assert output == Markup(
        '<p><a href="https://example.com/plan?a=1&amp;b=2" title="Our plan"'
        ' rel="noopener noreferrer nofollow">the plan</a></p>\n'
    )


@pytest.mark.parametrize(
    "source, href",
    [
        ("<https://example.com>", "https://example.com"),
        ("[mail](mailto:leder@example.dk)", "mailto:leder@example.dk"),
        ("[entry](/entries/12)", "/entries/12"),
        ("[section](#goals)", "#goals"),
        ("[x](http://example.com/a:b)", "http://example.com/a:b"),
    ],
)
def test_allowed_link_targets(source, href):
    assert f'href="{href}"' in render_markdown(source)


@pytest.mark.parametrize("source", ["[x](ftp://example.com/f)", "[x](tel:+4512345678)"])
def test_other_schemes_stay_text(source):
    output = render_markdown(source)
    assert "<a" not in output
    assert "[x](" in output


def test_bare_urls_are_not_linked():
    assert "<a" not in render_markdown("See https://example.com and www.example.com")


def test_headings_are_shifted_down_two_levels():
    output = render_markdown("# One\n## Two\n### Three\n#### Four\n###### Six\n\nText\n===")
    assert output == Markup(
        "<h3>One</h3>\n<h4>Two</h4>\n<h5>Three</h5>\n<h6>Four</h6>\n<h6>Six</h6>\n<h3>Text</h3>\n"
    )


def test_images_become_their_alt_text():
    output = render_markdown("Before ![a *team* photo](https://example.com/p.png) after")
    assert output == Markup("<p>Before a team photo after</p>\n")
    assert render_markdown("![](https://example.com/p.png)") == Markup("<p></p>\n")


def test_image_alt_text_is_escaped():
    assert render_markdown("![<b>x</b> & y](https://example.com/p.png)") == Markup(
        "<p>&lt;b&gt;x&lt;/b&gt; &amp; y</p>\n"
    )


def test_tables_without_alignment_styles():
    output = render_markdown("| Task | Done |\n|:-----|-----:|\n| Plan | yes |")
    assert output == Markup(
        "<table>\n<thead>\n<tr>\n<th>Task</th>\n<th>Done</th>\n</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td>Plan</td>\n<td>yes</td>\n</tr>\n</tbody>\n</table>\n"
    )


def test_blockquote_code_block_and_rule():
    output = render_markdown("> quoted\n\n```python\nif a < b:\n```\n\n---")
    assert output == Markup(
        "<blockquote>\n<p>quoted</p>\n</blockquote>\n<pre><code>if a &lt; b:\n</code></pre>\n<hr>\n"
    )


def test_empty_source():
    assert render_markdown("") == Markup("")


def test_plain_text_drops_syntax_and_collapses_whitespace():
    source = (
        "# Monday\n\nMet the **team**, talked about [the plan](https://example.com).\n"
        "Next:\n\n- follow up\n- `delegate`\n\n![a photo](p.png) &amp; more  \n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode  block\n```"
    )
    assert plain_text(source) == (
        "Monday Met the team, talked about the plan. Next: follow up delegate "
        "a photo & more a b 1 2 code block"
    )


def test_plain_text_keeps_typed_html_as_text():
    assert plain_text("<b>hi</b> ~~old~~") == "<b>hi</b> old"


def test_plain_text_without_limit_or_content():
    assert plain_text("") == ""
    assert plain_text("   \n\n  ") == ""
    assert plain_text("Short", limit=10) == "Short"
    assert plain_text("Exactly ten", limit=11) == "Exactly ten"


def test_plain_text_cuts_at_a_word_boundary():
    text = "Talked with the team about the new rota today"
    assert plain_text(text, limit=20) == "Talked with the…"
    assert len(plain_text(text, limit=20)) <= 20
    # The cut falls just after a whole word.
    assert plain_text(text, limit=16) == "Talked with the…"


def test_plain_text_drops_punctuation_before_the_ellipsis():
    assert plain_text("Done, then more words here", limit=8) == "Done…"


def test_plain_text_cuts_a_very_long_word_hard():
    assert plain_text("See https://example.com/a/very/long/path/indeed", limit=20) == (
        "See https://example…"
    )


@pytest.mark.parametrize("limit", [0, -1])
def test_plain_text_rejects_a_limit_below_one(limit):
    with pytest.raises(ValueError, match="limit"):
        plain_text("text", limit=limit)


def test_plain_text_limit_one():
    assert plain_text("Hello", limit=1) == "…"


@pytest.mark.parametrize(
    "prose",
    [
        "I dag havde vi personalemøde.  Det gik godt,\nmen jeg vil følge op i morgen.",
        "Kort refleksion efter ugens ledermøde: 3 ting (mindst) tager jeg med - og én til.",
        "\n\n  To afsnit.\n\nOg et til, med demo-dag og 10 % mere tid.  ",
    ],
)
def test_plain_text_of_prose_needs_no_parsing_and_says_the_same(prose, monkeypatch):
    from journal.entries import markdown

    fast = plain_text(prose), plain_text(prose, 40)
    monkeypatch.setattr(markdown, "_MARKUP", re.compile(""))  # every text parsed
    assert fast == (plain_text(prose), plain_text(prose, 40))
