"""Text from files, links and users, made inert for Streamlit's markdown.

Streamlit renders almost every string it shows as GitHub-flavoured markdown: titles, captions, alerts, tab and
metric labels, help tooltips, radio options. A trust name, trust code, quarter label or file name is data, so it
must show as the characters it holds and never as a link, an image, emphasis, maths, an icon or HTML.

Two functions, one rule: the template of a message is ours, every value put into it is escaped.

* :func:`plain` escapes a whole string (every ASCII punctuation character that markdown uses is backslash-escaped,
  as CommonMark allows) and then breaks the patterns that Streamlit's markdown turns into something even after
  escaping: bare URLs and e-mail addresses (GitHub's autolinks match the text after escapes are resolved) and
  ``:material/...:`` icons, by a WORD JOINER (U+2060, invisible and not read aloud) after every ``:`` and ``@`` and
  after ``www``. Line breaks and other control or formatting characters (such as right-to-left overrides) become
  spaces.
* :func:`md` formats a template of our own markdown with values that are each escaped by :func:`plain`, as a SQL
  driver binds parameters: ``md("**{}** ranks {}", name, rank)``; :func:`md_list` does it for a bulleted list.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata

WORD_JOINER = "\u2060"
# Every ASCII punctuation character markdown (CommonMark, GitHub's extensions, Streamlit's own :directives:, KaTeX's
# $) gives a meaning to; CommonMark lets any of them be backslash-escaped. / , ; ? % " ' mean nothing and stay.
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&@=^])")
_SPACES = re.compile(r"\s+")
# After escaping, ':' and '@' stand as '\:' and '\@'; 'www' before '\.' starts a bare link.
_BREAK = re.compile(r"(\\[:@])|(?<![A-Za-z0-9])(www)(?=\\\.)", re.IGNORECASE)


def _visible(text: str) -> str:
    """Control and formatting characters (line breaks, bidi overrides, zero-width marks) become spaces."""
    if not text.isprintable():  # a printable string has none of them (nor any white space but the ASCII space)
        text = "".join(" " if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} else c for c in text)
    return _SPACES.sub(" ", text)


def _escape(text: str) -> str:
    escaped = _PUNCTUATION.sub(r"\\\1", _visible(text))
    return _BREAK.sub(lambda m: (m.group(1) or m.group(2)) + WORD_JOINER, escaped)


# Pages escape the same trust names, codes and labels on every rerun: short strings are remembered (a user's longer
# text, such as a board's evidence note, is not kept beyond the call).
_escape_short = functools.lru_cache(maxsize=4096)(_escape)
SHORT = 120


def plain(text) -> str:
    """``text`` (any value; ``str()`` of it) as markdown that renders as exactly its characters, on one line."""
    text = str(text)
    return _escape_short(text) if len(text) <= SHORT else _escape(text)


class _Escaping(string.Formatter):
    def format_field(self, value, format_spec: str) -> str:
        return plain(super().format_field(value, format_spec))


_FORMATTER = _Escaping()


def md(template: str, /, *args, **kwargs) -> str:
    """``template.format(*args, **kwargs)`` with every value escaped by :func:`plain`; the template itself (our own
    markdown, such as ``**{}**``) is kept as it is. Format specs work: ``md("{:.2f}", x)``."""
    return _FORMATTER.vformat(template, args, kwargs)


def md_list(template: str, rows) -> str:
    """A markdown bulleted list, one :func:`md` of ``template`` per row of values: ``md_list("**{}:** {}", pairs)``."""
    return "\n".join("- " + md(template, *row) for row in rows)
