/* SMS text preparation and segment counting for the browser.
 * Mirrors msgsys/sms/encoding.py exactly (tests/sms/test_smscount_js.py checks this);
 * change both together. Plain ES2017, no dependencies.
 *
 * Progressive enhancement: <textarea data-sms-counter="ID"> updates the textContent
 * of the element with id ID on input. Label words come from data-sms-label-characters,
 * data-sms-label-segments and data-sms-label-left on that element (English fallback).
 */
(function () {
  "use strict";

  // GSM 03.38 basic set in table order, without 0x1B (the escape, not a character).
  var GSM7_BASIC = new Set(Array.from(
    "@£$¥èéùìòÇ\nØø\rÅå" +
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ" +
    " !\"#¤%&'()*+,-./" +
    "0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNO" +
    "PQRSTUVWXYZÄÖÑÜ§" +
    "¿abcdefghijklmno" +
    "pqrstuvwxyzäöñüà"
  ));
  // Extension table: sent as ESC + char, so each costs 2 septets.
  var GSM7_EXTENSION = new Set(Array.from("\f^{}\\[~]|€"));

  // The folds of encoding.py's SMS_FOLDS, which says why each character is (or is not) there.
  var FOLD = {};
  function fold(chars, to) {
    Array.from(chars).forEach(function (ch) { FOLD[ch] = to; });
  }
  // Apostrophes and single quotes (K'iche' glottal stop as typed on various keyboards).
  fold("\u2019\u2018\u201a\u201b\u2039\u203a\u02bc\u02bb\u00b4\u2032`", "'");
  fold("\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033", '"');
  fold("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-");
  fold("\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t", " ");
  fold("\r\u0085\u2028\u2029", "\n"); // "\r\n" is collapsed first
  fold("\u2026", "...");
  fold("\u200b\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064", ""); // invisible in any script
  // Escaped so a fold of \ ] ^ or - cannot break the character class.
  var FOLD_RE = new RegExp("[" + Object.keys(FOLD).join("").replace(/[\\\]^-]/g, "\\$&") + "]", "g");

  // Unicode's Default_Ignorable_Code_Point, as DEFAULT_IGNORABLE_RANGES in encoding.py: dropped
  // only when that leaves the message GSM-7. Spelled out rather than \p{...}, which older
  // browsers cannot parse.
  var IGNORABLE_RE = new RegExp("[\\u00ad\\u034f\\u061c\\u115f-\\u1160\\u17b4-\\u17b5\\u180b-\\u180f" +
    "\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0\\ufff0-\\ufff8" +
    "\\u{1bca0}-\\u{1bca3}\\u{1d173}-\\u{1d17a}\\u{e0000}-\\u{e0fff}]+", "gu");

  // Same folds for every locale today; locale is accepted so locale-specific folds can be added.
  function prepare(text, locale) {
    var folded = String(text).normalize("NFC").replace(/\r\n/g, "\n")
      .replace(FOLD_RE, function (ch) { return FOLD[ch]; })
      .normalize("NFC"); // a dropped invisible can leave a letter next to its accent
    var bare = folded.replace(IGNORABLE_RE, "").normalize("NFC");
    return isGsm7(Array.from(bare)) ? bare : folded;
  }

  function isGsm7(chars) {
    return chars.every(function (ch) { return GSM7_BASIC.has(ch) || GSM7_EXTENSION.has(ch); });
  }

  function count(text, locale) {
    var prepared = prepare(text, locale);
    var chars = Array.from(prepared); // code points, like Python's len()
    var gsm = isGsm7(chars);
    var single = gsm ? 160 : 70;
    var multi = gsm ? 153 : 67;
    var costs = chars.map(function (ch) {
      return gsm ? (GSM7_EXTENSION.has(ch) ? 2 : 1) : ch.length; // ch.length = UTF-16 units
    });
    var units = costs.reduce(function (a, b) { return a + b; }, 0);
    var segments, perSegment, remaining;
    if (units === 0) {
      segments = 0; perSegment = single; remaining = single;
    } else if (units <= single) {
      segments = 1; perSegment = single; remaining = single - units;
    } else {
      var used = 0;
      segments = 1;
      costs.forEach(function (cost) {
        // A 2-unit character (escape pair or surrogate pair) cannot straddle two parts.
        if (used + cost > multi) { segments += 1; used = 0; }
        used += cost;
      });
      perSegment = multi; remaining = multi - used;
    }
    return {
      text: prepared,
      encoding: gsm ? "GSM-7" : "UCS-2",
      characters: chars.length,
      units: units,
      segments: segments,
      per_segment: perSegment,
      remaining: remaining
    };
  }

  window.msgsysSms = { prepare: prepare, count: count };

  if (typeof document === "undefined") return;

  function label(out, name, fallback) {
    return (out.dataset && out.dataset[name]) || fallback;
  }

  function update(textarea) {
    var out = document.getElementById(textarea.getAttribute("data-sms-counter"));
    if (!out) return;
    var c = count(textarea.value);
    out.textContent = c.characters + " " + label(out, "smsLabelCharacters", "characters") +
      " · " + c.encoding +
      " · " + c.segments + " " + label(out, "smsLabelSegments", "segment(s)") +
      " · " + c.remaining + " " + label(out, "smsLabelLeft", "left");
  }

  function isCounted(el) {
    return !!el && el.tagName === "TEXTAREA" && el.hasAttribute("data-sms-counter");
  }

  // Delegated, so textareas added after load are counted too.
  document.addEventListener("input", function (event) {
    if (isCounted(event.target)) update(event.target);
  });

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-sms-counter]"), update);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
