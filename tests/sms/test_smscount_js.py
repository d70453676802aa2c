"""msgsys/static/smscount.js must prepare and count exactly like msgsys.sms.encoding."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from msgsys.sms.encoding import count_sms

JS_FILE = Path(__file__).resolve().parents[2] / "msgsys" / "static" / "smscount.js"

A = "a"
EURO = "\u20ac"
EMOJI = "\U0001f600"

STRINGS = [
    "",
    A * 160, A * 161, A * 306, A * 307,
    EURO, "\f", EURO * 80, EURO * 81,
    A * 152 + EURO, A * 159 + EURO,
    A * 152 + EURO + A * 152, A * 152 + "{" + A * 152, A * 151 + EURO + A * 152,
    "^{}\\[~]|" * 20,
    "Señor, el niño pago? No: café, pingüino, Ñandu",
    "ñéüÑÜàèùìòÇäöÄÖÅåÆæßÉØø¿¡", "ç", "¿Cómo está?",
    "á" * 70, "á" * 71, "á" + A * 70, "ú" + A * 134, "á" + EURO,
    EMOJI, EMOJI * 35, EMOJI * 36, A * 66 + EMOJI + A * 66, A * 65 + EMOJI + A * 67,
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    *(f"K{m}iche{m}: ajchak{m}" for m in ["\u2019", "\u2018", "\u02bc", "\u02bb", "\u00b4", "`"]),
    "\u201cHola\u201d \u201eHallo\u201d",
    "a \u2013 b \u2014 c \u2212 d",
    "\u2026" * 54,
    "a\u00a0b\u202fc\u2009d\u3000e\u2007f\u1680g\u205fh",
    "a\u200bb\u200cc\u200dd\u2060e\ufefff", "\u200b\ufeff",
    "l1\r\nl2\rl3\u2028l4\u2029l5\u0085l6\n\r\n",
    "e\u0301", "a\u0301", "Jose\u0301", "\u2126",
    "Plain 'text' - \"ok\"... ]^-\\",
    "\t\x1b",
]

COUNT_SCRIPT = """
const fs = require("fs"), vm = require("vm");
const window = {};
vm.runInNewContext(fs.readFileSync(%(path)s, "utf8"), { window });
const strings = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(strings.map((s) => window.msgsysSms.count(s))));
"""

# A minimal fake DOM: enough to check the counter wiring and translated labels.
DOM_SCRIPT = """
const fs = require("fs"), vm = require("vm");
const listeners = {};
const textarea = { tagName: "TEXTAREA", value: "K\u2019iche\u2019",
  getAttribute: (n) => (n === "data-sms-counter" ? "out" : null),
  hasAttribute: (n) => n === "data-sms-counter" };
const out = { textContent: "", dataset: {} };
const translated = { textContent: "", dataset: { smsLabelCharacters: "caracteres",
  smsLabelSegments: "segmento(s)", smsLabelLeft: "restantes" } };
const other = { tagName: "TEXTAREA", value: "x", getAttribute: () => null, hasAttribute: () => false };
const document = {
  readyState: "complete",
  addEventListener: (type, fn) => { listeners[type] = fn; },
  querySelectorAll: () => [textarea],
  getElementById: (id) => ({ out, translated }[id] || null),
};
const window = {};
vm.runInNewContext(fs.readFileSync(%(path)s, "utf8"), { window, document });
const results = [out.textContent];
textarea.value = "\u00e1".repeat(71);
listeners.input({ target: textarea });
results.push(out.textContent);
textarea.getAttribute = () => "translated";
textarea.value = "";
listeners.input({ target: textarea });
results.push(translated.textContent);
listeners.input({ target: other });  // not a counted textarea: ignored
listeners.input({ target: null });
textarea.getAttribute = () => "missing";  // no output element: ignored
listeners.input({ target: textarea });
process.stdout.write(JSON.stringify(results));
"""


def run_node(script: str, stdin: str = "") -> object:
    """Run a Node script with the JS file path substituted in and return its JSON output."""
    if shutil.which("node") is None:
        pytest.fail("node is required to check msgsys/static/smscount.js against the Python counter")
    proc = subprocess.run(
        ["node", "-e", script % {"path": json.dumps(str(JS_FILE))}],
        input=stdin, capture_output=True, text=True, encoding="utf-8", timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_js_count_matches_python():
    js_results = run_node(COUNT_SCRIPT, json.dumps(STRINGS))
    assert len(js_results) == len(STRINGS)
    for text, js in zip(STRINGS, js_results):
        assert js == count_sms(text).as_dict(), f"mismatch for {text!r}"


def test_js_prepare_matches_python():
    script = COUNT_SCRIPT.replace("window.msgsysSms.count(s)", "window.msgsysSms.prepare(s, 'quc')")
    assert run_node(script, json.dumps(STRINGS)) == [count_sms(s, "quc").text for s in STRINGS]


def test_js_counter_updates_output_with_labels():
    initial, ucs2, translated = run_node(DOM_SCRIPT)
    assert initial == "7 characters · GSM-7 · 1 segment(s) · 153 left"
    assert ucs2 == "71 characters · UCS-2 · 2 segment(s) · 63 left"
    assert translated == "0 caracteres · GSM-7 · 0 segmento(s) · 160 restantes"


def test_js_without_document_only_defines_api():
    script = """
    const fs = require("fs"), vm = require("vm");
    const window = {};
    vm.runInNewContext(fs.readFileSync(%(path)s, "utf8"), { window });
    process.stdout.write(JSON.stringify(Object.keys(window.msgsysSms).sort()));
    """
    assert run_node(script) == ["count", "prepare"]
