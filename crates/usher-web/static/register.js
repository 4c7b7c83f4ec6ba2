// Checks the invite code as it is typed (debounced), through the public look-up API.
// The form works without this: the server checks the code when the page opens and
// when the form is sent.
(function () {
  "use strict";
  var input = document.getElementById("invite");
  var out = document.getElementById("invite-check");
  if (!input || !out) return;
  var timer = null;
  var asked = 0;

  function show(ok, text) {
    out.textContent = text;
    out.className = "check " + (ok ? "ok" : "bad");
  }

  function describe(preview) {
    if (preview.description) return preview.description;
    if (preview.group && preview.group.name) return "joins " + preview.group.name;
    return "an invitation to sign up";
  }

  function check() {
    var code = input.value.trim();
    if (!code) { out.textContent = ""; out.className = "check"; return; }
    var mine = ++asked;
    fetch("/api/v1/invites/" + encodeURIComponent(code), { headers: { accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (mine !== asked) return; // a newer check is on its way
        if (answer.ok) show(true, "valid — " + describe(answer.body));
        else show(false, answer.body.detail || "This invite does not work.");
      })
      .catch(function () {
        if (mine === asked) show(false, "Could not check the code just now.");
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
})();
