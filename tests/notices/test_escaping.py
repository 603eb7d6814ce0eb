"""Every HTML template autoescapes; the text announcement is escaped where HTML embeds it."""

from importlib.resources import files

import pytest

from emergency.notices import templates

TEMPLATES = sorted(p.name for p in files("emergency.notices").joinpath("templates").iterdir() if p.name.endswith(".j2"))


def test_every_template_is_html_or_text_and_html_autoescapes():
    assert TEMPLATES and all(n.endswith((".html.j2", ".txt.j2")) for n in TEMPLATES)
    assert templates.html().autoescape is True and templates.text().autoescape is False
    for name in TEMPLATES:
        source = files("emergency.notices").joinpath("templates", name).read_text(encoding="utf-8")
        assert "|safe" not in source.replace(" ", "") and "autoescape false" not in source, name


def test_the_environments_refuse_the_other_kind():
    with pytest.raises(ValueError):
        templates.render_html("announcement.txt.j2")
    with pytest.raises(ValueError):
        templates.render_text("notice.html.j2")


def test_announcement_page_escapes_the_text():
    page = templates.render_html("announcement.html.j2", text='【<script>alert(1)</script> & "x"】')
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;x&#34;" in page
