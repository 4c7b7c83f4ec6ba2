// Copy buttons: <button data-copy="ID"> copies the value of the input #ID and says so.
// Without this script the link stays in a read-only field, to select and copy by hand.
"use strict";
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  var label = button.textContent;
  button.addEventListener("click", function () {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var copied = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 2000);
    };
    var byHand = function () {
      field.select();
      try { if (document.execCommand("copy")) { copied(); return; } } catch (e) { /* fall through */ }
      button.textContent = "Press Ctrl+C to copy";
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(copied, byHand);
    } else {
      byHand();
    }
  });
});
