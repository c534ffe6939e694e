/* The book's own behaviour, on top of the theme's.
 *
 * A box that scrolls sideways (code, an output, a wide formula, a table) becomes a keyboard stop
 * only while it overflows, so a keyboard user can scroll it and nobody tabs through boxes that
 * have nothing to scroll. Such a stop is a named region ("Scrolls sideways 3"), so a screen
 * reader says what it is. Formulas themselves stay out of the tab order (MathJax's menu
 * setting). When the boxes are marked, <html data-book-scrollers> says how often that ran. */
(function () {
  "use strict";
  const SCROLLERS = [
    "div.math", "mjx-container[display='true']", ".book-scroll", ".book-widget-output", "pre",
    ".cell_output > .output", ".pst-scrollable-table-container",
  ].join(", ");
  const NAME = { en: "Scrolls sideways", zh: "可横向滚动的内容" };
  let runs = 0;

  function wrapTables() {
    document.querySelectorAll(".cell_output table, .book-widget table").forEach((table) => {
      if (table.parentElement.closest(".book-scroll, .pst-scrollable-table-container")) return;
      const box = document.createElement("div");
      box.className = "book-scroll";
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    });
  }

  function markScrollers() {
    const lang = (document.documentElement.lang || "en").slice(0, 2);
    let count = 0;
    document.querySelectorAll(SCROLLERS).forEach((box) => {
      const style = getComputedStyle(box);
      const scrolls = /(auto|scroll)/.test(style.overflowX + style.overflowY);
      const overflows = scrolls && (box.scrollWidth > box.clientWidth + 1
                                    || box.scrollHeight > box.clientHeight + 1);
      if (overflows && !box.querySelector("[data-book-scroller]")) {
        count += 1;
        box.tabIndex = 0;
        box.dataset.bookScroller = "yes";
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", `${NAME[lang] || NAME.en} ${count}`);
      } else if (box.dataset.bookScroller || box.tabIndex === 0) {
        box.tabIndex = -1;
        box.removeAttribute("tabindex");
        delete box.dataset.bookScroller;
        if (box.getAttribute("role") === "region") box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
    runs += 1;
    document.documentElement.dataset.bookScrollers = String(runs);
  }

  function later(fn) {
    let timer = null;
    return () => { clearTimeout(timer); timer = setTimeout(fn, 400); };
  }

  // A heading, a link to one or a table header that is only a formula has no words a screen reader or a
  // checker can see outside MathJax's hidden MathML copy: name it by that copy.
  function nameFormulaOnly() {
    document.querySelectorAll("h1, h2, h3, h4, h5, h6, a, th").forEach((el) => {
      if (!el.querySelector("mjx-container")) return;
      const copy = el.cloneNode(true);
      copy.querySelectorAll("mjx-container").forEach((m) => m.remove());
      if (/[\p{L}\p{N}]/u.test(copy.textContent)) return;
      const spoken = [...el.childNodes].map((node) => {
        if (node.nodeName === "MJX-CONTAINER") {
          const math = node.querySelector("mjx-assistive-mml math");
          return math ? math.textContent : "";
        }
        return node.textContent;
      }).join("").replace(/\s+/g, " ").trim();
      if (spoken) el.setAttribute("aria-label", spoken);
    });
  }

  function start() {
    window.addEventListener("load", () => {
      if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
        MathJax.startup.promise.then(nameFormulaOnly);
      }
    });
    wrapTables();
    const mark = later(markScrollers);
    // After the theme's own pass (it marks code boxes 300 ms after a change) and MathJax's.
    window.addEventListener("resize", mark);
    const main = document.getElementById("main-content") || document.body;
    new MutationObserver(mark).observe(main, { subtree: true, childList: true });
    mark();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
