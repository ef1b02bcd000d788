// Buttons marked data-print print the page (no inline handlers: the pages' policy forbids them).
document.querySelectorAll("[data-print]").forEach(function (b) {
  b.addEventListener("click", function () { window.print(); });
});
