// The portal's small page behaviours, bound by data- attributes (no inline handlers: Content-Security-Policy).
// Delegated from the document, so rows that htmx swaps in work too.
//   <select data-autosubmit>            submits its form when changed
//   <input type="checkbox" data-select-all="input[name=enterprises]">  checks or clears every matching box
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
})();
