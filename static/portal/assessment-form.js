// The self-assessment form (assessments/assessment_form.html), on top of htmx's autosave:
// - each answer's form (.autosave-form, data-key = its code) saves itself on input after a short pause and on change;
//   all of them queue on #assessment-sections (hx-sync), so saves run one at a time and the counts that come back
//   with each (已填 x/n) are those of the last save;
// - a form holds unsaved text from the first keystroke until a save of exactly that text came back saved
//   (#saved-<key> comes back .text-success; a refusal, a stale edit or an invalid value keep it unsaved): while any does,
//   or a save is on its way, leaving the page asks first (beforeunload);
// - a section's "confirm all" button presses each pre-filled answer's 确认 in that section (queued, one by one);
// - after a refused submission, the page scrolls to the first problem's field and focuses it (#problems
//   data-first-problem); each field's message is under it, with aria-invalid on the field.
// No inline handlers anywhere: Content-Security-Policy.
(function () {
  "use strict";
  var root = document.getElementById("assessment-sections");
  if (!root) {
    return;
  }
  var states = new WeakMap();

  function state(form) {
    var s = states.get(form);
    if (!s) {
      s = { edits: 0, sent: 0, pending: 0 };
      states.set(form, s);
    }
    return s;
  }

  // Only a form's own saves carry typed text (a 确认 button is removed by the answer it gets: no event after it).
  function formOf(elt) {
    return elt && elt.matches && elt.matches(".autosave-form") ? elt : null;
  }

  function edited(event) {
    var form = event.target.form;
    if (form && form.matches(".autosave-form")) {
      state(form).edits += 1;
    }
  }
  root.addEventListener("input", edited);

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var form = formOf(event.detail.elt);
    if (form) {
      var s = state(form);
      s.sent = s.edits;
      s.pending += 1;
    }
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = formOf(event.detail.elt);
    if (!form) {
      return;
    }
    var s = state(form);
    s.pending = Math.max(0, s.pending - 1);
    // Saved when the answer's own "saved" span comes back green (read from the response: the out-of-band swap may
    // not have happened yet when this event runs).
    var saved = new RegExp('id="saved-' + form.getAttribute("data-key") + '"[^>]*text-success');
    if (event.detail.successful && saved.test(event.detail.xhr.responseText) && s.sent === s.edits) {
      s.edits = 0;
      s.sent = 0;
    }
    window.setTimeout(function () {
      // A field whose message is gone (saved now) is no longer marked invalid.
      form.querySelectorAll("[aria-invalid=true]").forEach(function (input) {
        var message = document.getElementById(input.getAttribute("aria-describedby") || "");
        if (message && !message.textContent.trim()) {
          input.removeAttribute("aria-invalid");
          input.classList.remove("is-invalid");
        }
      });
    }, 50);
  });

  function unsaved() {
    return Array.prototype.some.call(root.querySelectorAll(".autosave-form"), function (form) {
      var s = states.get(form);
      return s && (s.edits > 0 || s.pending > 0);
    });
  }

  // The state, readable on the page (data-unsaved on #assessment-sections: the browser tests wait for it).
  function publish() {
    root.setAttribute("data-unsaved", unsaved() ? "true" : "false");
  }
  root.addEventListener("input", publish);
  document.body.addEventListener("htmx:afterRequest", publish);
  document.body.addEventListener("htmx:beforeRequest", publish);

  window.addEventListener("beforeunload", function (event) {
    if (unsaved()) {
      event.preventDefault();
      event.returnValue = "";  // older Chromium asks only when this is set
    }
  });

  // A section's "confirm all": shown while the section has a pre-filled answer waiting.
  function sectionButtons() {
    root.querySelectorAll("[data-confirm-section]").forEach(function (button) {
      var section = document.getElementById(button.getAttribute("data-confirm-section"));
      button.hidden = !(section && section.querySelector("[data-confirm]"));
    });
  }
  sectionButtons();
  document.body.addEventListener("htmx:oobAfterSwap", sectionButtons);

  root.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm-section]");
    if (!button) {
      return;
    }
    var section = document.getElementById(button.getAttribute("data-confirm-section"));
    section.querySelectorAll("[data-confirm]").forEach(function (confirm) {
      confirm.click();
    });
  });

  var problems = document.getElementById("problems");
  var first = problems && document.getElementById(problems.getAttribute("data-first-problem") || "");
  function jump() {
    first.focus({ preventScroll: true });
    // instant: Bootstrap's smooth scrolling would leave the field off screen until its animation ends
    first.scrollIntoView({ block: "center", behavior: "instant" });
  }
  if (first) {
    jump();
    if (document.readyState !== "complete") {
      window.addEventListener("load", jump);  // again once styles and fonts have settled the layout
    }
  }
})();
