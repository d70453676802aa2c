/* Feedback on the officers' and translators' pages. Plain ES2017, no dependencies, loaded with defer
 * (the CSP allows scripts from 'self' only, so nothing inline). The pages work without it.
 *
 * 1. A page that answers a POST (a refused form, shown again with its errors; a token shown once) is marked
 *    <body data-answers-post="ADDRESS">. Its history entry is turned into a GET of that address (the page's own,
 *    or the form's page when the address takes only posts), so reloading the page or coming back to it never
 *    sends the form again.
 * 2. The error summary ([data-error-summary], templates/_forms.html) takes the focus when the page loads, so
 *    keyboard and screen reader users start at the list of problems; each of its links focuses its field.
 */
(function () {
  "use strict";

  var answered = document.body.getAttribute("data-answers-post");
  if (answered !== null && window.history && history.replaceState) {
    try {
      history.replaceState(null, "", answered || location.href);
    } catch (notSameOrigin) {
      history.replaceState(null, "", location.href);
    }
  }

  var summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }
  summary.focus();

  // The control a link points at: the element itself when it takes input, else the first control inside it
  // (a group of checkboxes is named by its list).
  function controlOf(target) {
    if (target.matches("input, select, textarea, button")) {
      return target;
    }
    return target.querySelector("input:not([type=hidden]), select, textarea");
  }

  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) {
      return;
    }
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    var control = target && controlOf(target);
    if (!control) {
      return; // not a field (the policy check, say): the browser follows the link as usual
    }
    event.preventDefault();
    // Show the field's label (or its group's legend) with it, not just the input at the very top of the screen.
    var group = /^(checkbox|radio)$/.test(control.type) && control.closest("fieldset");
    var label = (group && group.querySelector("legend")) ||
      (control.id && document.querySelector("label[for='" + CSS.escape(control.id) + "']")) || control;
    label.scrollIntoView();
    control.focus({ preventScroll: true });
  });
})();
