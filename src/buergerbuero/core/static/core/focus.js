// After a form that answers with a new page (GET without htmx), the answer is where the eye should go: the
// element marked data-focus-on-load (a heading with tabindex="-1") gets the focus, so a screen reader reads it
// out, and is scrolled to the top. Without JavaScript the form's #fragment scrolls there too.
(function () {
  function focusResult() {
    var target = document.querySelector("[data-focus-on-load]");
    if (!target) return;
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "start" });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusResult);
  } else {
    focusResult();
  }
})();
