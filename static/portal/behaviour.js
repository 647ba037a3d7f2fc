// The portal's small page behaviours, bound by data- attributes (no inline handlers: Content-Security-Policy).
// Delegated from the document, so rows that htmx swaps in work too.
//   <select data-autosubmit>            submits its form when changed
//   <input type="checkbox" data-select-all="input[name=enterprises]">  checks or clears every matching box
// An htmx request the server refuses without a form to show (413 over the upload limit, 429, 403, 5xx) gets a
// message at the top of the form or element that sent it; the texts are the <body>'s data-htmx-error-* attributes.
// A save answered with the `portal-saved` event (HX-Trigger: {"portal-saved": {"message": "已保存 …"}}) shows a
// toast at the bottom of the screen (in the aria-live #portal-toasts, from the <template id="portal-toast">).
// Keyboard focus follows an in-place edit: the opened form's first field (or its first invalid one), then, once
// saved or cancelled, the row's own “更新” button again (never lost to the <body>).
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

  document.body.addEventListener("portal-saved", function (event) {
    var box = document.getElementById("portal-toasts"), template = document.getElementById("portal-toast");
    var message = event.detail && event.detail.message;
    if (!box || !template || !message) {
      return;
    }
    var toast = template.content.firstElementChild.cloneNode(true);
    toast.querySelector(".toast-body").textContent = message;  // text, never markup
    box.append(toast);
    toast.addEventListener("hidden.bs.toast", function () { toast.remove(); });
    if (window.bootstrap) {
      window.bootstrap.Toast.getOrCreateInstance(toast, { delay: 4000 }).show();
    } else {
      toast.classList.add("show");
    }
  });
  if (window.htmx) {
    window.htmx.onLoad(function (elt) {
      if (!elt.matches) {
        return;
      }
      if (elt.matches("tr.progress-editing")) {
        var field = elt.querySelector(".is-invalid") || elt.querySelector("select, input:not([type=hidden]), textarea");
        elt.scrollIntoView({ block: "nearest" });
        if (field) {
          field.focus({ preventScroll: true });
        }
      } else if (elt.matches("tr.progress-card")) {
        var button = elt.querySelector(".progress-edit-button");
        if (button) {
          button.focus();
        }
      }
    });
  }
})();
