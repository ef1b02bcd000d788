// 毕业申请 form helpers: a live character count for the self-appraisal, an early size check on
// uploads (the server checks again, always), and the signature crop box. Without this script
// every form still works: the crop box can be typed in, or left empty for the whole picture.
(function () {
  "use strict";
  var text = document.getElementById("appraisal-text");
  var counter = document.getElementById("appraisal-counter");
  if (text && counter) {
    // Same rule as the server: whitespace, control and zero-width characters do not count.
    var skip = /[\s\u0000-\u001f\u007f\u200b-\u200d\u2060\ufeff]/u;
    var update = function () {
      var n = 0;
      for (var ch of text.value) { if (!skip.test(ch)) { n++; } }
      var state = n < 300 ? "，还差 " + (300 - n) + " 字" : n > 500 ? "，超出 " + (n - 500) + " 字" : "";
      counter.textContent = "已输入 " + n + " 字（需 300–500 字）" + state;
      counter.className = "counter " + (n >= 300 && n <= 500 ? "pass" : "fail");
    };
    text.addEventListener("input", update);
    update();
  }

  document.querySelectorAll("input[type=file][data-max]").forEach(function (input) {
    input.addEventListener("change", function () {
      var max = Number(input.getAttribute("data-max"));
      var f = input.files && input.files[0];
      input.setCustomValidity("");
      if (f && f.size > max) {
        input.setCustomValidity("文件大小为 " + f.size.toLocaleString("en-US") + " 字节，超过上限 " +
          max.toLocaleString("en-US") + " 字节（50K），请压缩后重新上传");
        input.reportValidity();
      }
    });
  });

  var file = document.getElementById("signature-file");
  var area = document.getElementById("crop-area");
  var img = document.getElementById("crop-image");
  var box = document.getElementById("crop-box");
  var handle = document.getElementById("crop-handle");
  if (!file || !area || !img || !box || !handle) { return; }
  var fields = ["x", "y", "w", "h"].map(function (k) { return document.getElementById("crop-" + k); });
  var rect = { x: 0, y: 0, w: 0, h: 0 }; // in displayed pixels

  function scale() { return img.naturalWidth / img.clientWidth; }
  function draw() {
    box.style.left = rect.x + "px"; box.style.top = rect.y + "px";
    box.style.width = rect.w + "px"; box.style.height = rect.h + "px";
    var s = scale();
    fields[0].value = Math.round(rect.x * s); fields[1].value = Math.round(rect.y * s);
    fields[2].value = Math.round(rect.w * s); fields[3].value = Math.round(rect.h * s);
  }
  function clamp() {
    var W = img.clientWidth, H = img.clientHeight;
    rect.w = Math.max(10, Math.min(rect.w, W)); rect.h = Math.max(10, Math.min(rect.h, H));
    rect.x = Math.max(0, Math.min(rect.x, W - rect.w)); rect.y = Math.max(0, Math.min(rect.y, H - rect.h));
  }
  file.addEventListener("change", function () {
    var f = file.files && file.files[0];
    if (!f) { area.hidden = true; return; }
    img.onload = function () {
      area.hidden = false;
      var W = img.clientWidth, H = img.clientHeight;
      rect = { x: W * 0.1, y: H * 0.3, w: W * 0.8, h: H * 0.4 };
      clamp(); draw();
    };
    img.src = URL.createObjectURL(f);
  });
  var drag = null;
  function start(e, mode) {
    e.preventDefault(); e.stopPropagation();
    drag = { mode: mode, px: e.clientX, py: e.clientY, r: Object.assign({}, rect) };
    document.addEventListener("pointermove", move);
    document.addEventListener("pointerup", end);
  }
  function move(e) {
    if (!drag) { return; }
    var dx = e.clientX - drag.px, dy = e.clientY - drag.py;
    if (drag.mode === "move") { rect.x = drag.r.x + dx; rect.y = drag.r.y + dy; }
    else { rect.w = drag.r.w + dx; rect.h = drag.r.h + dy; }
    clamp(); draw();
  }
  function end() { drag = null; document.removeEventListener("pointermove", move); document.removeEventListener("pointerup", end); }
  box.addEventListener("pointerdown", function (e) { start(e, "move"); });
  handle.addEventListener("pointerdown", function (e) { start(e, "resize"); });
  window.addEventListener("resize", function () { if (!area.hidden) { clamp(); draw(); } });
})();
