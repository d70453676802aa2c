"""Tests for msgsys.policy.links: the link allowlist, as a reader, a phone and a browser see links."""


import pytest

from msgsys.content.markup import render_markdown
from msgsys.policy.links import LinkProblem, allowed_domains, find_link_problems, rendered_href_problems

ALLOWED = allowed_domains("state.gov dhs.gov uscis.gov cbp.gov usa.gov unhcr.org iom.int")


def problems(text, *, markdown, allowed=ALLOWED):
    """(excerpt, code, params) of every problem, checking that each excerpt is where it says."""
    found = find_link_problems(text, allowed, markdown=markdown)
    for p in found:
        assert text[p.start:p.end] == p.excerpt
    return [(p.excerpt, p.code, dict(p.params)) for p in found]


def hosts(text, *, markdown, allowed=ALLOWED):
    return [params.get("host") for _, _, params in problems(text, markdown=markdown, allowed=allowed)]


def served(body, allowed=ALLOWED):
    """Problems in the page the site serves for this body."""
    return [(p.excerpt, p.code, dict(p.params)) for p in rendered_href_problems(render_markdown(body), allowed)]


# --- links that got through ---------------------------------------------------------


def test_an_allowed_target_does_not_hide_the_link_it_overlaps_in_a_body():
    body = "Register: <https://evil.com/](https://www.uscis.gov)>"
    assert problems(body, markdown=True) == [
        ("https://evil.com/](https://www.uscis.gov)", "link_host", {"host": "evil.com"})]
    # The page really carries href="https://evil.com/%5D(https://www.uscis.gov)".
    assert ("https://evil.com/%5D(https://www.uscis.gov)", "link_host", {"host": "evil.com"}) in served(body)


def test_an_allowed_target_does_not_hide_the_link_it_overlaps_in_an_sms():
    sms = "Regístrese: https://evil.com/](https://www.uscis.gov)"
    assert problems(sms, markdown=False) == [
        ("https://evil.com/](https://www.uscis.gov)", "link_host", {"host": "evil.com"})]


def test_a_link_hidden_after_an_allowed_one_is_found():
    assert hosts("[apply](https://www.uscis.gov/](https://evil.com))", markdown=True) == ["evil.com"]
    assert hosts("https://uscis.gov/a](evil.com", markdown=False) == ["evil.com"]
    assert hosts("https://uscis.gov/?next=https://evil.com/form", markdown=False) == ["evil.com"]


@pytest.mark.parametrize(
    "sms, host",
    [
        ("Formulario: cbp-gov.ru/form", "cbp-gov.ru"),
        ("Cita en registro-cbp.lat hoy", "registro-cbp.lat"),
        ("Cita en registro-cbp.lat/x hoy", "registro-cbp.lat"),
        ("Visite citas-usa.tk.", "citas-usa.tk"),
        ("Visite tramites.es", "tramites.es"),
        ("Más: goo.gl/abc123", "goo.gl"),
        ("Más: is.gd/abc", "is.gd"),
        ("Más: tiny.cc/abc", "tiny.cc"),
        ("Más: rb.gy/abc", "rb.gy"),
        ("Más: s.id/abc", "s.id"),
        ("Escriba a citas@tramites-usa.com", "tramites-usa.com"),
        ("mailto:citas@registro.lat", "registro.lat"),
        ("Visite www.tramites", "www.tramites"),
        ("Visite WWW.EVIL.COM/FORM", "www.evil.com"),
    ],
)
def test_bare_domains_a_phone_would_link_are_refused(sms, host):
    assert hosts(sms, markdown=False) == [host]
    assert hosts(sms, markdown=True) == [host]


@pytest.mark.parametrize(
    "text, host",
    [
        ("Formulario: 93.184.216.34/form", "93.184.216.34"),
        ("http://1572395042/", "93.184.216.34"),
        ("http://0x5d.0xb8.0xd8.0x22/", "93.184.216.34"),
        ("0x5d.0xb8.0xd8.0x22/form", "93.184.216.34"),
        ("http://0135.0270.0330.042/", "93.184.216.34"),
        ("https://93.184.216.34:8443/form", "93.184.216.34"),
        ("http://[2001:db8::1]/", "[2001:db8::1]"),
    ],
)
def test_ip_addresses_in_any_form_browsers_accept_are_refused(text, host):
    assert problems(text, markdown=False) == [(text.split(": ")[-1], "link_ip", {"host": host})]


def test_an_ip_is_allowed_only_when_the_allowlist_names_it():
    allowed = allowed_domains("uscis.gov 93.184.216.34")
    assert problems("http://1572395042/ and 93.184.216.34/form", markdown=False, allowed=allowed) == []
    assert hosts("http://93.184.216.35/", markdown=False, allowed=allowed) == ["93.184.216.35"]


def test_tel_links_need_that_exact_number_on_the_allowlist():
    body = "[Call us](tel:+1-555-555-0100)"
    assert problems(body, markdown=True) == [("tel:+1-555-555-0100", "link_tel", {"number": "+1-555-555-0100"})]
    assert served(body) == [("tel:+1-555-555-0100", "link_tel", {"number": "+1-555-555-0100"})]
    listed = allowed_domains("uscis.gov tel:+15555550100")
    assert problems(body, markdown=True, allowed=listed) == []
    assert served(body, listed) == []
    assert problems("[Call](tel:+15555550199)", markdown=True, allowed=listed)[0][1] == "link_tel"


def test_a_phone_number_written_as_text_is_not_a_link_problem():
    assert problems("Tel: +1 202 555 0100 o llame al (202) 555-0100. SMS: envíe AYUDA.", markdown=False) == []


@pytest.mark.parametrize(
    "body, host",
    [
        ("[mail](mailto:citas@registro.lat)", "registro.lat"),
        ("[mail](mailto:info@uscis.gov,citas@evil.com)", "evil.com"),
        ("[mail](mailto:info@uscis.gov?cc=citas@evil.com)", "evil.com"),
        ("[mail](mailto:uscis.gov%40evil.com)", "evil.com"),
        ("<citas@evil.com>", "evil.com"),
    ],
)
def test_mailto_is_judged_by_every_recipients_domain(body, host):
    assert host in hosts(body, markdown=True)
    assert host in [params.get("host") for _, _, params in served(body)]


def test_mailto_to_an_allowed_domain_passes():
    assert problems("[write](mailto:info@uscis.gov) or info@travel.state.gov", markdown=True) == []


# --- every way of writing a link ------------------------------------------------------


@pytest.mark.parametrize(
    "body, code, host",
    [
        ("[USCIS](https://xn--uscs-6ra.gov/)", "link_host", "xn--uscs-6ra.gov"),
        ("[USCIS](https://uscis.gоv/)", "link_host", "uscis.xn--gv-fmc"),  # Cyrillic о
        ("[USCIS](https://USCIS.GOV.EVIL.COM./form)", "link_host", "uscis.gov.evil.com."),
        ("[USCIS](https://evil.com:443/)", "link_host", "evil.com"),
        ("[USCIS](https://uscis.gov@evil.com/)", "link_userinfo", "evil.com"),
        ("[USCIS](https://uscis.gov:pw@evil.com/)", "link_userinfo", "evil.com"),
        ("[USCIS](https://evil.com\\\\@uscis.gov)", "link_host", "evil.com"),
        ("[USCIS](https:\\\\evil.com)", "link_host", "evil.com"),
        ("[USCIS](https://uscis%2egov.evil.com/)", "link_host", "uscis.gov.evil.com"),
        ("[USCIS](https://ｅｖｉｌ．ｃｏｍ/)", "link_host", "evil.com"),
        ("[USCIS](https://evil\u00ad.com/)", "link_host", "evil.com"),
        ("[USCIS](//evil.com/uscis)", "link_host", "evil.com"),
        ("[USCIS](https:evil.com)", "link_host", "evil.com"),
        ("[USCIS]( <https://evil.com/a b> )", "link_host", "evil.com"),
        ("[ref]: https://evil.com/", "link_host", "evil.com"),
        ("<https://evil.com/uscis.gov>", "link_host", "evil.com"),
        ("[USCIS](uscis.gov.evil.com/form)", "link_host", "uscis.gov.evil.com"),
    ],
)
def test_lookalike_links_in_a_body_are_refused(body, code, host):
    found = problems(body, markdown=True)
    assert found and all(c == code for _, c, _ in found)
    assert host in [params["host"] for _, _, params in found]


@pytest.mark.parametrize(
    "body, scheme",
    [
        ("[click](javascript:alert(1))", "javascript"),
        ("[click](&#106;avascript:alert(1))", "javascript"),
        ("[click](JAVASCRIPT&colon;alert(1))", "javascript"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "data"),
        ("[x](vbscript:msgbox)", "vbscript"),
        ("[x](ftp://uscis.gov/file)", "ftp"),
        ("<javascript:alert(1)>", "javascript"),
        ("plain javascript:alert(1) text", "javascript"),
    ],
)
def test_other_schemes_are_refused(body, scheme):
    assert [(c, p) for _, c, p in problems(body, markdown=True)] == [("link_scheme", {"scheme": scheme})]


def test_escaped_and_encoded_domains_in_a_body_are_seen_as_the_page_shows_them():
    assert problems("Visite evil\\.com o evil&#46;com", markdown=True) == [
        ("evil\\.com", "link_host", {"host": "evil.com"}),
        ("evil&#46;com", "link_host", {"host": "evil.com"}),
    ]


@pytest.mark.parametrize("sms", ["e\u00advil.com", "ｅｖｉｌ．ｃｏｍ", "...evil.com", "EVIL.COM.", "evil.com:8080/x"])
def test_invisible_characters_and_look_alike_forms_do_not_hide_a_domain(sms):
    assert hosts(sms, markdown=False) == ["evil.com"]


def test_the_served_page_is_checked_as_a_reader_sees_it():
    # Markdown splits the name across elements; the reader still sees "evil.com".
    assert [h["host"] for _, _, h in served("see evil.*com*")] == ["evil.com"]
    assert [h["host"] for _, _, h in served("see evil[.](/x)com")] == ["evil.com"]
    assert served("[USCIS](https://www.uscis.gov/es) and [home](/about)") == []


def test_rendered_hrefs_are_resolved_as_a_browser_does():
    html = ('<a href="https://uscis.gov&#64;evil.com/">a</a> <a href="//evil.org">b</a> '
            '<a href="/es/avisos">c</a> <a href="https://travel.state.gov/x">d</a>')
    assert [(p.code, dict(p.params)) for p in rendered_href_problems(html, ALLOWED)] == [
        ("link_userinfo", {"host": "evil.com"}), ("link_host", {"host": "evil.org"})]


# --- the allowlist ---------------------------------------------------------------------


def test_subdomains_of_an_allowed_domain_pass_and_look_alikes_do_not():
    assert problems("travel.state.gov and https://WWW.USCIS.GOV./es:", markdown=False) == []
    assert hosts("state.gov.evil.com", markdown=False) == ["state.gov.evil.com"]
    assert hosts("evilstate.gov", markdown=False) == ["evilstate.gov"]
    assert hosts("https://evil-uscis.gov", markdown=False) == ["evil-uscis.gov"]


def test_a_foreign_official_site_passes_only_when_listed():
    assert hosts("Consulte migracion.gob.gt", markdown=False) == ["migracion.gob.gt"]
    assert problems("Consulte migracion.gob.gt", markdown=False, allowed=allowed_domains("gob.gt")) == []
    assert hosts("https://example.gov.gt", markdown=False, allowed=allowed_domains("gov.gt example.gt")) == []
    assert hosts("https://example.gov.gt", markdown=False) == ["example.gov.gt"]


def test_allowed_domains_reads_a_rule_pattern():
    assert allowed_domains("*.uscis.gov, State.Gov.  tel:+15555550100") == ("uscis.gov", "state.gov", "tel:+15555550100")


# --- honest text is never refused ------------------------------------------------------

HONEST = [
    "E.g. the U.S. office opens at 9.30 a.m. and closes at 5 p.m.; i.e. early.",
    "Version 1.2.3 of form I-589.pdf costs $6,000 (Q6.000, or 1.000.000.000 in total).",
    "EE. UU. y EE.UU.: Sr. García, Dra. López, pág. 12, núm. 5, etc. Art. 3.",
    "Visit travel.state.gov or https://www.uscis.gov/es, or write to info@uscis.gov.",
    "(See https://www.uscis.gov/humanitarian.) Or https://www.dhs.gov/!",
    "HTTPS://USCIS.GOV/Path and https://uscis.gov.:443/x and https://www.state.gov/forms/i-589.com",
    "Nota: lea esto. SMS: envíe AYUDA. Hora: 10:30. Tel.: (202) 555-0100.",
    "No se acerque a la frontera hasta que se le indique... Espere.",
    "Kʼicheʼ: xaq chiʼ. Ri ajwaqiʼ. 2.5 km",
]


@pytest.mark.parametrize("text", HONEST)
def test_honest_text_passes(text):
    assert problems(text, markdown=False) == []
    assert problems(text, markdown=True) == []
    assert served(text) == []


def test_text_about_links_that_names_no_site_passes():
    assert problems("Trust only sites that start with https:// and end in .gov.", markdown=False) == []


def test_a_missing_space_before_a_real_top_level_domain_is_a_link_a_phone_would_make():
    # Phones link "frontera.No" to frontera.no (Norway): the author is asked to add the space.
    assert hosts("No se acerque a la frontera.No crea rumores.", markdown=False) == ["frontera.no"]


def test_an_honest_markdown_body_passes():
    body = ("## Apply\n\n1. Read the [guide](https://www.uscis.gov/es/guia \"Guide\").\n"
            "2. Go to [our notices](/es/avisos) or [the top](#top).\n\n"
            "> **Do not** pay anyone: <https://www.usa.gov/scams>\n\n"
            "[mail]: mailto:info@uscis.gov\n")
    assert problems(body, markdown=True) == []
    assert served(body) == []


def test_problems_are_plain_values():
    p = find_link_problems("evil.com", ALLOWED, markdown=False)[0]
    assert p == LinkProblem(0, 8, "evil.com", "link_host", (("host", "evil.com"),))
    with pytest.raises(AttributeError):
        p.code = "x"
    assert hash(p) == hash(LinkProblem(0, 8, "evil.com", "link_host", (("host", "evil.com"),)))


