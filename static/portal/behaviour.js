// The portal's small page behaviours, bound by data- attributes (no inline handlers: Content-Security-Policy).
// Delegated from the document, so rows that htmx swaps in work too.
//   <select data-autosubmit>            submits its form when changed
//   <input type="checkbox" data-select-all="input[name=enterprises]">  checks or clears every matching box
// An htmx request the server refuses without a form to show (413 over the upload limit, 429, 403, 5xx) gets a
// message at the top of the form or element that sent it; the texts are the <body>'s data-htmx-error-* attributes.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var box = event.target.closest && event.target.closest("[data-select-all]");
    if (!box) {
      return;
    }
    document.querySelectorAll(box.getAttribute("data-select-all")).forEach(function (input) {
      input.checked = box.checked;
    });
  });
  document.addEventListener("htmx:responseError", function (event) {
    var elt = event.detail.elt, status = event.detail.xhr.status, body = document.body;
    var text = body.getAttribute("data-htmx-error-" + status) ||
      (body.getAttribute("data-htmx-error-other") || "").replace("%s", status);
    if (!elt || !text) {
      return;
    }
    var old = elt.querySelector(":scope > .htmx-error");
    if (old) {
      old.remove();
    }
    var alert = document.createElement("div");
    alert.className = "alert alert-danger htmx-error";
    alert.setAttribute("role", "alert");
    alert.textContent = text;  // text, never markup
    elt.prepend(alert);
  });
})();
