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
        var label = input.getAttribute("data-max-label") || (max.toLocaleString("en-US") + " 字节");
        input.setCustomValidity("文件大小为 " + f.size.toLocaleString("en-US") + " 字节，超过上限 " +
          label + "，超出 " + (f.size - max).toLocaleString("en-US") + " 字节，请压缩后重新上传");
        input.reportValidity();
      }
    });
  });

  // 签名 (seed 001 §10): 【选择图片】, 【截取签名】 puts a freely resizable box on the picture,
  // 【确定】 shows the cut, then 【保存】. The box lives in the photo's own pixels — the x, y, w, h
  // fields are the truth, and what the server cuts — and the box on screen is only drawn from them
  // by the current scale, so a resize, a zoom or a full-page capture never moves what is saved.
  var form = document.getElementById("signature-form");
  var file = document.getElementById("signature-file");
  var fileName = document.getElementById("signature-file-name");
  var tools = document.getElementById("crop-tools");
  var startButton = document.getElementById("crop-start");
  var confirmButton = document.getElementById("crop-confirm");
  var area = document.getElementById("crop-area");
  var img = document.getElementById("crop-image");
  var box = document.getElementById("crop-box");
  var handle = document.getElementById("crop-handle");
  var status = document.getElementById("crop-status");
  var preview = document.getElementById("crop-preview");
  var previewImage = document.getElementById("crop-preview-image");
  var previewCaption = document.getElementById("crop-preview-caption");
  var save = document.getElementById("signature-save");
  var fields = {
    x: document.getElementById("crop-x"), y: document.getElementById("crop-y"),
    w: document.getElementById("crop-w"), h: document.getElementById("crop-h")
  };
  if (!form || !file || !fileName || !tools || !startButton || !confirmButton || !area || !img ||
      !box || !handle || !status || !preview || !previewImage || !previewCaption || !save ||
      !fields.x || !fields.y || !fields.w || !fields.h) { return; }
  // The same minimum the server holds to, rendered from its constant.
  var minW = Number(form.getAttribute("data-min-width")) || 1;
  var minH = Number(form.getAttribute("data-min-height")) || 1;
  var natural = { w: 0, h: 0 }; // the picture's size in its own pixels; 0 before it has loaded
  var crop = null;              // { x, y, w, h } in the picture's pixels; null before 截取签名
  var objectUrl = null;
  var previous = null;          // what was chosen before the chooser opened, for a cancel

  form.classList.add("sig-js");
  fileName.hidden = false;
  fileName.textContent = "未选择图片";

  function clamp(v, lo, hi) { return Math.max(lo, Math.min(v, hi)); }
  function say(text, bad) {
    status.textContent = text;
    status.className = "crop-status" + (bad ? " fail" : "");
  }
  // Screen pixels per picture pixel as the picture is laid out now; 0 while it is not shown.
  function scale() {
    var width = img.getBoundingClientRect().width;
    return width > 0 && natural.w > 0 ? width / natural.w : 0;
  }
  function draw() {
    var s = scale();
    if (!crop || !s) { box.hidden = !crop; return; }
    box.hidden = false;
    box.style.left = crop.x * s + "px";
    box.style.top = crop.y * s + "px";
    box.style.width = crop.w * s + "px";
    box.style.height = crop.h * s + "px";
  }
  function writeFields() {
    fields.x.value = crop.x; fields.y.value = crop.y; fields.w.value = crop.w; fields.h.value = crop.h;
  }
  // The four fields as whole pixels, or null while any of them is empty or not a number.
  function readFields() {
    var v = [fields.x, fields.y, fields.w, fields.h].map(function (f) { return f.value.trim(); });
    if (v.some(function (t) { return !/^\d+$/.test(t); })) { return null; }
    return { x: Number(v[0]), y: Number(v[1]), w: Number(v[2]), h: Number(v[3]) };
  }
  // What the server would refuse about a box, in its words, or "" when it would keep it.
  function problem(r) {
    var right = r.x + r.w - natural.w, bottom = r.y + r.h - natural.h, past = [];
    if (right > 0) { past.push("右边 " + right + " 像素"); }
    if (bottom > 0) { past.push("下边 " + bottom + " 像素"); }
    if (past.length) {
      return "截取框超出图片" + past.join("、") + "（图片为 " + natural.w + "×" + natural.h +
        " 像素），请把截取框移回图片内";
    }
    if (r.w < minW || r.h < minH) {
      return "截取框为 " + r.w + "×" + r.h + " 像素，太小，看不清签名：截取框至少需要宽 " + minW +
        "、高 " + minH + " 像素（按原图像素计），请放大截取框框住整个签名";
    }
    return "";
  }
  // Keeps a box the tool moves inside the picture and no smaller than the minimum (or the whole
  // picture, when that is smaller). Resizing holds the top-left corner where it is.
  function fit(r, resizing) {
    var lowW = Math.min(minW, natural.w), lowH = Math.min(minH, natural.h);
    var x = Math.round(r.x), y = Math.round(r.y), w = Math.round(r.w), h = Math.round(r.h);
    if (resizing) {
      x = clamp(x, 0, natural.w - lowW); y = clamp(y, 0, natural.h - lowH);
      w = clamp(w, lowW, natural.w - x); h = clamp(h, lowH, natural.h - y);
    } else {
      w = clamp(w, lowW, natural.w); h = clamp(h, lowH, natural.h);
      x = clamp(x, 0, natural.w - w); y = clamp(y, 0, natural.h - h);
    }
    return { x: x, y: y, w: w, h: h };
  }
  // A changed box is no longer the one 确定 showed.
  function unconfirm() { preview.hidden = true; previewImage.removeAttribute("src"); }
  function moved(r) { crop = r; writeFields(); unconfirm(); draw(); }
  // Back to no picture: no box, empty fields (the whole picture), nothing to confirm.
  function clearPicture() {
    crop = null;
    natural = { w: 0, h: 0 };
    fields.x.value = ""; fields.y.value = ""; fields.w.value = ""; fields.h.value = "";
    unconfirm();
    box.hidden = true; area.hidden = true; tools.hidden = true;
    confirmButton.disabled = true;
    img.onload = null; img.onerror = null;
    img.removeAttribute("src");
    if (objectUrl) { URL.revokeObjectURL(objectUrl); objectUrl = null; }
    fileName.textContent = "未选择图片";
    say("");
  }

  file.addEventListener("click", function () {
    // Browsers fire no change when the same file is chosen again: emptying the chooser as it opens
    // makes every choice a change, so choosing again always starts over. What was chosen is put
    // back if the chooser is cancelled.
    previous = null;
    if (file.files && file.files.length && typeof DataTransfer === "function") {
      var kept = new DataTransfer();
      kept.items.add(file.files[0]);
      previous = kept.files;
    }
    file.value = "";
  });
  file.addEventListener("cancel", function () {
    if (previous) { file.files = previous; }
    previous = null;
  });
  file.addEventListener("change", function () {
    previous = null;
    clearPicture();
    var f = file.files && file.files[0];
    if (!f) { return; }
    fileName.textContent = f.name;
    img.onload = function () {
      natural = { w: img.naturalWidth, h: img.naturalHeight };
      area.hidden = false;
      tools.hidden = false;
      say("已选择图片（" + natural.w + "×" + natural.h + " 像素）。点击【截取签名】框出签名；不截取则保存整张图片。");
    };
    img.onerror = function () {
      clearPicture();
      fileName.textContent = f.name;
      say("无法显示所选图片，请选择 .jpg 格式的签名照片", true);
    };
    objectUrl = URL.createObjectURL(f);
    img.src = objectUrl;
  });

  startButton.addEventListener("click", function () {
    if (!natural.w) { return; }
    // A wide strip across the middle, where a signature photographed on a sheet usually is.
    moved(fit({ x: natural.w * 0.1, y: natural.h * 0.3, w: natural.w * 0.8, h: natural.h * 0.4 }));
    confirmButton.disabled = false;
    box.focus({ preventScroll: true });
    say("拖动选择框移动位置，拖动右下角圆点调整大小（选择框获得焦点时也可用方向键移动、Shift+方向键调整大小），框好签名后点击【确定】。");
  });

  confirmButton.addEventListener("click", function () {
    var r = readFields();
    if (!r) { say("请填写截取框的左、上、宽、高（整数像素），或点击【截取签名】重新框选", true); return; }
    var wrong = problem(r);
    if (wrong) { unconfirm(); say(wrong, true); return; }
    crop = r;
    draw();
    // The preview is cut from the picture the browser already has, the same pixels the server cuts.
    var canvas = document.createElement("canvas");
    canvas.width = r.w; canvas.height = r.h;
    var ctx = canvas.getContext("2d");
    if (ctx) {
      ctx.drawImage(img, r.x, r.y, r.w, r.h, 0, 0, r.w, r.h);
      previewImage.src = canvas.toDataURL("image/jpeg", 0.9);
    }
    previewCaption.textContent = "截取的签名 · " + r.w + "×" + r.h + " 像素";
    preview.hidden = false;
    say("已截取 " + r.w + "×" + r.h + " 像素的签名，请核对预览，确认无误后点击【保存】。");
    save.focus();
  });

  [fields.x, fields.y, fields.w, fields.h].forEach(function (f) {
    f.addEventListener("input", function () {
      unconfirm();
      var r = readFields();
      if (r && natural.w) { crop = r; confirmButton.disabled = false; draw(); }
    });
  });

  var drag = null;
  function begin(e, mode) {
    var s = scale();
    if (!crop || !s) { return; }
    e.preventDefault(); e.stopPropagation();
    box.focus({ preventScroll: true });
    drag = { mode: mode, px: e.clientX, py: e.clientY, s: s, r: Object.assign({}, crop) };
    document.addEventListener("pointermove", follow);
    document.addEventListener("pointerup", end);
    document.addEventListener("pointercancel", end);
  }
  function follow(e) {
    if (!drag) { return; }
    // Pointer travel on screen, in the picture's pixels.
    var dx = (e.clientX - drag.px) / drag.s, dy = (e.clientY - drag.py) / drag.s, r = drag.r;
    if (drag.mode === "move") { moved(fit({ x: r.x + dx, y: r.y + dy, w: r.w, h: r.h })); }
    else { moved(fit({ x: r.x, y: r.y, w: r.w + dx, h: r.h + dy }, true)); }
  }
  function end() {
    drag = null;
    document.removeEventListener("pointermove", follow);
    document.removeEventListener("pointerup", end);
    document.removeEventListener("pointercancel", end);
  }
  box.addEventListener("pointerdown", function (e) { begin(e, "move"); });
  handle.addEventListener("pointerdown", function (e) { begin(e, "resize"); });
  box.addEventListener("keydown", function (e) {
    var step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
    if (!step || !crop) { return; }
    e.preventDefault();
    // Ten screen pixels a press, so a large photo needs no more presses than a small one.
    var n = Math.max(1, Math.round(10 / (scale() || 1)));
    if (e.shiftKey) { moved(fit({ x: crop.x, y: crop.y, w: crop.w + step[0] * n, h: crop.h + step[1] * n }, true)); }
    else { moved(fit({ x: crop.x + step[0] * n, y: crop.y + step[1] * n, w: crop.w, h: crop.h })); }
  });

  // Only the drawing follows the layout; the fields are never written here.
  window.addEventListener("resize", draw);
  if (typeof ResizeObserver === "function") { new ResizeObserver(draw).observe(img); }

  form.addEventListener("submit", function (e) {
    var chosen = file.files && file.files.length;
    if (!chosen && natural.w) {
      // The chooser was emptied as it opened and the browser reported no cancel.
      e.preventDefault();
      clearPicture();
      say("请点击【选择图片】重新选择签名照片", true);
      return;
    }
    var r = readFields();
    var wrong = chosen && r && natural.w ? problem(r) : "";
    if (wrong) { e.preventDefault(); unconfirm(); say(wrong, true); status.scrollIntoView({ block: "nearest" }); }
  });
})();
