// After an action, what happened is said where the person is looking: the page's refusal
// (role=alert), or after a save or a decision (?saved=…, ?done=…) its confirmation, takes the
// focus and is scrolled into view, so a screen reader reads it and a keyboard user goes on from
// there.
(function () {
  "use strict";
  var target = document.querySelector("main [role=alert]");
  if (!target && /[?&](saved|done)=/.test(window.location.search)) {
    target = document.querySelector("main .alert[role=status]");
  }
  if (!target) { return; }
  if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
  // After the page's own scroll to its #section, which would otherwise take the focus back.
  var take = function () { window.requestAnimationFrame(function () { target.focus(); }); };
  if (document.readyState === "complete") { take(); } else { window.addEventListener("load", take); }
})();
