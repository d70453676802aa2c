"""History and audit read as sentences in the reader's language; messages and pages name languages, never codes."""
from __future__ import annotations

import ast
import importlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale

import msgsys
from msgsys import permissions
from msgsys.audit.sentences import ATTEMPTS, SENTENCES, Subject, sentence
from msgsys.jobs import run_periodic
from msgsys.locales import LOCALES, display_name
from msgsys.translation import service as translations
from msgsys.workflow.engine import Table
from tests.factories import (
    ApiClient, csrf_from, login, make_campaign, make_message, make_token, make_translation, make_user, make_version, step,
)

PACKAGE = Path(msgsys.__file__).parent
ACTION_SHAPE = re.compile(r"^[a-z_]+\.[a-z_]+$")


# --- every action the code records has a sentence of its own -------------------------------------

def _is_audit_event(call: ast.Call) -> bool:
    """A call that writes an audit event: audit.record(...), the event dict a refusal keeps, a migration's insert."""
    names = {kw.arg for kw in call.keywords}
    called = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    return {"action", "subject_type"} <= names and bool(names & {"actor", "actor_label"}) and called != "AuditFilter"


def _constants(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _function_around(tree: ast.AST, call: ast.Call) -> ast.FunctionDef | None:
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and any(m is call for m in ast.walk(n))]
    return functions[-1] if functions else None  # the innermost


def _is_parameter(function: ast.FunctionDef | None, name: str) -> bool:
    if function is None:
        return False
    arguments = function.args
    return name in {a.arg for a in arguments.args + arguments.kwonlyargs + arguments.posonlyargs}


def _assigned(function: ast.FunctionDef | None, name: str) -> set[str]:
    """The strings a function assigns to a local name (action = "user.deactivate" if ... else "user.update")."""
    if function is None:
        return set()
    return {v for n in ast.walk(function) if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
            for v in _constants(n.value)}


def _passed(tree: ast.AST, function: ast.FunctionDef, name: str) -> set[str]:
    """The literal strings the module's calls of `function` pass as its parameter `name` (_change(..., change="state"))."""
    return {kw.value.value for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == function.name
            for kw in n.keywords if kw.arg == name and isinstance(kw.value, ast.Constant)}


def _engine_tables() -> list[Table]:
    """The state machines kept as data: their steps are recorded as `<subject type>.<step>`."""
    tables = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "engine.Table(" in path.read_text():
            module = importlib.import_module(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
            tables += [v for v in vars(module).values() if isinstance(v, Table) and v not in tables]
    return tables


def recorded_actions() -> set[str]:
    """The actions the code records, read from the code: literals, names, f-strings, and the engine's naming."""
    actions: set[str] = set()
    unread: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call) and _is_audit_event(n)):
            value = next(kw.value for kw in call.keywords if kw.arg == "action")
            where = f"{path.relative_to(PACKAGE.parent)}:{call.lineno}"
            function = _function_around(tree, call)
            parts = value.values if isinstance(value, ast.JoinedStr) else []
            if isinstance(value, ast.Constant):
                actions.add(value.value)
            elif isinstance(value, ast.Name) and _is_parameter(function, value.id):
                continue  # audit.record passing its own parameter on: its callers are read
            elif isinstance(value, ast.Name) and _assigned(function, value.id):
                actions |= {v for v in _assigned(function, value.id) if ACTION_SHAPE.match(v)}
            elif len(parts) == 2 and isinstance(parts[0], ast.Constant) and isinstance(parts[1], ast.FormattedValue) \
                    and isinstance(parts[1].value, ast.Name) and _is_parameter(function, parts[1].value.id):
                # f"subscriber.{change}": the prefix with every value the module's calls pass as `change`
                actions |= {parts[0].value + v for v in _passed(tree, function, parts[1].value.id)}
            elif path.name == "engine.py":
                actions |= {f"{t.subject_type}.{name}" for t in _engine_tables() for name in t}
            else:
                unread.append(where)
    assert not unread, f"audit actions this test cannot read (write them so it can): {unread}"
    return actions


def literal_actions() -> set[str]:
    """Every `action="x.y"` literal anywhere in the package (audit actions and permissions alike)."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        found |= set(re.findall(r"""\baction\s*=\s*["']([a-z_]+\.[a-z_]+)["']""", path.read_text()))
    return found


def test_every_action_the_code_records_has_a_sentence_of_its_own():
    actions = recorded_actions()
    # The reading works: actions from each way of writing them are found.
    assert {"user.login", "permission.denied", "policy.hold", "subscriber.state", "subscriber.erase", "user.deactivate",
            "user.update", "version.approve", "translation.carry_over", "glossary.add"} <= actions
    missing = sorted(a for a in actions if a not in SENTENCES)
    assert not missing, f"recorded actions with no sentence: {missing}"


def test_every_refusable_action_reads_as_what_the_person_tried_to_do():
    refusable = set(permissions.ACTIONS) | literal_actions()
    refusable |= {f"{t.subject_type}.{name}" for t in _engine_tables() for name, row in t.items() if row.permission is None}
    missing = sorted(a for a in refusable if a not in ATTEMPTS and a not in SENTENCES)
    assert not missing, f"actions a refusal may name with no words for them: {missing}"
    assert not sorted(a for a in permissions.ACTIONS if a not in ATTEMPTS)


def test_sentences_name_who_did_what(app):
    version = Subject("version", "17", number=3)
    with app.test_request_context():
        assert sentence("version.approve", actor="Ana", subject=version) == "Ana approved version 3"
        assert (sentence("version.request_changes", actor="ana@example.org", subject=Subject("version", "9", number=2),
                         note="Say where to register.") == "ana@example.org asked for changes to version 2: Say where to register.")
        assert sentence("permission.denied", actor="bob", subject=version, after={"action": "version.approve"}) \
            == "Permission denied: bob tried to approve version 3"
        assert sentence("translation.carry_over", actor="Carry-over", subject=Subject("translation", "4", number=3, locale="es", previous=2)) \
            == "Carry-over brought the Spanish translation over from version 2 to version 3"
        assert sentence("subscriber.locale", actor="The SMS service", subject=Subject("subscriber", "8"),
                        before='{"locale": "es"}', after='{"locale": "quc"}') == "The SMS service switched subscriber 8 from Spanish to K'iche'"


def test_an_action_nobody_wrote_a_sentence_for_still_reads_as_one(app):
    with app.test_request_context():
        text = sentence("version.publish_later", actor="Ana", subject=Subject("version", "17", number=3),
                        before={"state": "approved"}, after={"state": "published"})
        refused = sentence("permission.denied", actor="Ana", subject=Subject("rumor", "2"), after={"action": "rumor.debunk"})
    assert text == "Ana did “version publish later” to version 3 (from Approved to Published)"
    assert "version.publish_later" not in text
    assert refused == "Permission denied: Ana tried to do “rumor debunk”" and "rumor.debunk" not in refused


# --- the pages -------------------------------------------------------------------------------------

@pytest.fixture
def story(app, client, session, clock):
    """A message's life: approvals, a change request, a refusal, a carry-over and a scheduled go-live."""
    author = make_user(session, roles="author")
    ana = make_user(session, roles="approver")
    ana.name = "Ana"
    bob = make_user(session, roles="author")
    bob.name = "bob"
    session.commit()
    reviewer = make_user(session, roles="approver")  # no name: the email stands for them
    es1, es2 = make_user(session, roles="translator", locales="es"), make_user(session, roles="translator", locales="es")
    message = make_message(session, make_campaign(session))
    v1 = make_version(session, message, author, title="First")
    step(session, v1, author, "submit")
    step(session, v1, ana, "approve")  # due at once: published by Ana's approval
    spanish = make_translation(session, v1, es1)
    translations.transition(session, actor=es2, translation=spanish, name="approve")
    session.commit()
    v2 = make_version(session, message, author, title="Second")
    step(session, v2, author, "submit")
    step(session, v2, reviewer, "request_changes", reason="Say where to register.")
    v3 = make_version(session, message, author, title="Third", go_live_at=clock.now() + timedelta(hours=1))
    step(session, v3, author, "submit")
    login(client, bob.email)
    refused = client.post(f"/admin/versions/{v3.id}/approve", data={"csrf_token": csrf_from(client, "/admin/")})
    assert refused.status_code == 403
    step(session, v3, ana, "approve")  # carries the Spanish translation over; goes live in an hour
    clock.advance(hours=1)
    assert run_periodic(app)["content.schedule"]["published"] == 1
    session.expire_all()
    admin = make_user(session, roles="admin,approver")
    login(client, admin.email)
    return {"message": message, "versions": (v1, v2, v3), "reviewer": reviewer, "es2": es2}


def _history(html: str) -> str:
    start = html.index('id="history-heading"')
    return html[start:html.index("</ol>", start)]


def test_a_messages_history_reads_as_sentences(client, story):
    history = _history(client.get(f"/admin/messages/{story['message'].id}").get_data(as_text=True))
    assert "Ana approved version 1" in history and "Ana published version 1" in history
    assert f"{story['reviewer'].email} asked for changes to version 2: Say where to register." in history
    assert "Permission denied: bob tried to approve version 3" in history
    assert "The scheduler published version 3" in history
    assert "Ana retired version 1: a newer version went live" not in history  # the scheduler did that
    assert "The scheduler retired version 1: a newer version went live" in history
    assert not re.search(r"\b(version|translation|permission)\.[a-z_]+\b", history)


def test_a_versions_history_tells_what_happened_to_it_and_its_translations(client, story):
    v1, _v2, v3 = story["versions"]
    first = _history(client.get(f"/admin/versions/{v1.id}").get_data(as_text=True))
    assert f"{story['es2'].email} approved the Spanish translation of version 1" in first
    third = _history(client.get(f"/admin/versions/{v3.id}").get_data(as_text=True))
    assert "Carry-over brought the Spanish translation over from version 1 to version 3" in third
    assert "Permission denied: bob tried to approve version 3" in third and "The scheduler published version 3" in third
    assert third.index("Permission denied") < third.index("Ana approved version 3") < third.index("The scheduler published")


def test_the_history_names_languages_in_the_spanish_interface(client, story):
    _v1, _v2, v3 = story["versions"]
    history = _history(client.get(f"/admin/versions/{v3.id}", headers={"Accept-Language": "es"}).get_data(as_text=True))
    assert "español" in history and "Spanish" not in history and "Español" not in history


def test_the_audit_page_leads_with_the_sentence_and_keeps_the_record(client, story):
    page = client.get("/admin/audit?action=version.approve").get_data(as_text=True)
    row = re.search(r'<p class="sentence">Ana approved version 1</p><details>(.*?)</details>', page, re.S)
    assert row and "<code>version.approve</code>" in row.group(1) and "<code>version " in row.group(1)
    assert re.search(r"<td[^>]*>version 1 of msg-\d+</td>", page)  # the subject in words, with its message
    denied = client.get("/admin/audit?action=permission.denied").get_data(as_text=True)
    assert "Permission denied: bob tried to approve version 3" in denied
    assert '<summary>After</summary><code>{&#34;action&#34;: &#34;version.approve&#34;' in denied


# --- language names ---------------------------------------------------------------------------------

@pytest.mark.parametrize("ui, names", [
    ("en", {"en": "English", "es": "Spanish", "quc": "K'iche'"}),
    ("es", {"en": "inglés", "es": "español", "quc": "k'iche'"}),
    ("quc", {"en": "inglés", "es": "español", "quc": "k'iche'"}),  # the K'iche' interface falls back to Spanish strings
])
def test_language_names_in_each_interface_language(ui, names):
    assert {code: display_name(code, ui) for code in LOCALES} == names
    assert display_name("es", ui, start=True) == names["es"][:1].upper() + names["es"][1:]


def test_refusals_name_the_language_in_the_interface_language(app, session):
    translator = make_user(session, roles="translator", locales="es")
    with app.test_request_context():
        assert permissions.refusal(translator, "translation.edit", locale="quc") == "You do not translate K'iche'."
        with force_locale("es"):
            spanish = permissions.refusal(translator, "translation.edit", locale="quc")
    assert "k'iche'" in spanish and "quc" not in spanish


def test_pages_and_the_api_name_languages_not_codes(app, client, session):
    from tests.factories import make_published

    _message, version = make_published(session)
    translator = make_user(session, roles="translator", locales="es")
    login(client, translator.email)
    page = client.get(f"/translate/{version.id}/quc").get_data(as_text=True)
    assert "You do not translate K&#39;iche&#39;." in page
    in_spanish = client.get(f"/translate/{version.id}/quc", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "k&#39;iche&#39;" in in_spanish and "translate quc" not in in_spanish
    api = ApiClient(app.test_client(), make_token(session, translator))
    missing = api.get(f"/versions/{version.id}/translations/es")
    assert missing.status_code == 404
    assert missing.json["error"]["message"] == f"Version {version.id} has no Spanish translation yet."
    assert missing.json["error"]["details"]["locale"] == "es"  # machine fields keep the code


def test_the_sample_notice_is_an_interface_sentence_not_english_data(client, session):
    from msgsys.content import service as content

    content.create_campaign(session, actor=None, label="test", data={
        "slug": "sample", "title": "Sample", "sample_note": "Sample content drawn from public documents dated 2021. Not current guidance."})
    session.commit()
    login(client, make_user(session, roles="author").email)
    english = client.get("/admin/campaigns/sample").get_data(as_text=True)
    assert '<p class="sample" role="note">Sample content, drawn from public documents dated 2021. Not current guidance.</p>' in english
    spanish = client.get("/admin/campaigns/sample", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Sample content drawn from public documents" not in spanish and 'class="sample"' in spanish
