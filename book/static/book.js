/* The book's own behaviour, on top of the theme's.
 *
 * A box that scrolls sideways (a wide formula, a table, a widget's output) becomes a keyboard
 * stop only while it overflows, so a keyboard user can scroll it and nobody tabs through
 * boxes that have nothing to scroll (the theme does the same for code). Formulas themselves stay
 * out of the tab order (MathJax's menu setting). */
(function () {
  "use strict";
  const SCROLLERS = "div.math, mjx-container[display='true'], .book-scroll, .book-widget-output";

  function wrapTables() {
    document.querySelectorAll(".cell_output table, .book-widget table").forEach((table) => {
      if (table.parentElement.classList.contains("book-scroll")) return;
      const box = document.createElement("div");
      box.className = "book-scroll";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    });
  }

  function markScrollers() {
    document.querySelectorAll(SCROLLERS).forEach((box) => {
      if (box.querySelector(SCROLLERS)) return;  // the innermost box scrolls
      const overflows = box.scrollWidth > box.clientWidth + 1;
      if (overflows) {
        box.tabIndex = 0;
        if (!box.hasAttribute("role")) box.setAttribute("role", "group");
      } else if (box.tabIndex === 0 && !box.matches("a, button, input, select, textarea")) {
        box.removeAttribute("tabindex");
      }
    });
  }

  function later(fn) {
    let timer = null;
    return () => { clearTimeout(timer); timer = setTimeout(fn, 200); };
  }

  function start() {
    wrapTables();
    markScrollers();
    window.addEventListener("resize", later(markScrollers));
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(markScrollers);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
