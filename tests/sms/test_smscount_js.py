"""msgsys/static/smscount.js must prepare and count exactly like msgsys.sms.encoding."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from msgsys.sms.encoding import DEFAULT_IGNORABLE_RANGES, SMS_FOLDS, count_sms, prepare_sms_text

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
    "\u00abAtenci\u00f3n\u00bb\u2011 no se acerque\u201a\tla frontera\u2015 \u201fno\u2033 \u2039x\u203a \u2032",
    "\u26a0\ufe0f Aviso \U0001f468\u200d\U0001f469\u200d\U0001f467\u200b",
    "Jose\u200b\u0301", "Jose\u200d\u0301", "\u00e1\u200d\u0301",
    "a\u200e\u200f\u061c\u034f\ufe0f\u3164\U000e0041b",
]
DEFAULT_IGNORABLES = [chr(cp) for first, last in DEFAULT_IGNORABLE_RANGES for cp in range(first, last + 1)]
# Every folded character and the ends of every default-ignorable range, in text that is GSM-7
# once prepared and in text that stays UCS-2 (where the ignorables are kept), and all of the
# ignorables at once.
for _ch in [*SMS_FOLDS, *(chr(cp) for pair in DEFAULT_IGNORABLE_RANGES for cp in pair)]:
    STRINGS += [f"a{_ch}b", f"\u00e1{_ch}b", _ch * 161]
STRINGS += ["a" + "".join(DEFAULT_IGNORABLES) + "b", "\u00e1" + "".join(DEFAULT_IGNORABLES) + "b"]

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


SWEEP_SCRIPT = """
const fs = require("fs"), vm = require("vm");
const window = {};
vm.runInNewContext(fs.readFileSync(%(path)s, "utf8"), { window });
const changed = {};
// Planes 0-2 and 14: planes 3-13 hold only unassigned code points and ideographs without
// decompositions, 15-16 private use; nothing there is folded or normalised.
for (let cp = 0; cp <= 0xe0fff; cp = cp === 0x2ffff ? 0xe0000 : cp + 1) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;  // lone surrogates are not text
  const text = "(" + String.fromCodePoint(cp) + ")";
  const prepared = window.msgsysSms.prepare(text);
  if (prepared !== text) changed[cp] = prepared;
}
process.stdout.write(JSON.stringify(changed));
"""


def test_js_and_python_change_the_same_characters():
    """Every code point the browser changes, Python changes alike; and the browser changes all Python folds."""
    js_changed = {int(cp): prepared for cp, prepared in run_node(SWEEP_SCRIPT).items()}
    candidates = set(js_changed) | {ord(ch) for ch in SMS_FOLDS} | {ord(ch) for ch in DEFAULT_IGNORABLES}
    mismatches = []
    for cp in sorted(candidates):
        text = f"({chr(cp)})"
        if prepare_sms_text(text) != js_changed.get(cp, text):
            mismatches.append(f"U+{cp:04X}: python {prepare_sms_text(text)!r}, js {js_changed.get(cp, text)!r}")
    assert mismatches == []
    assert {ord(ch) for ch in SMS_FOLDS} | {ord(ch) for ch in DEFAULT_IGNORABLES} <= set(js_changed)


def test_default_ignorable_table_is_unicodes():
    """DEFAULT_IGNORABLE_RANGES (and so the browser's copy, by the sweep above) match ICU's property data."""
    script = """
    const ranges = []; let start = null;
    for (let cp = 0; cp <= 0x110000; cp++) {
      const hit = cp <= 0x10ffff && /\\p{Default_Ignorable_Code_Point}/u.test(String.fromCodePoint(cp));
      if (hit && start === null) start = cp;
      if (!hit && start !== null) { ranges.push([start, cp - 1]); start = null; }
    }
    process.stdout.write(JSON.stringify(ranges));
    """
    assert [tuple(r) for r in run_node(script)] == list(DEFAULT_IGNORABLE_RANGES)


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
