// Checks the invite code as it is typed (debounced), through the public look-up API.
// The form works without this: the server checks the code when the page opens and
// when the form is sent. Its words come from the page (data-* attributes of
// #invite-check), in the page's language; a refusal's by its problem `code`.
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

  function said(name) {
    return out.getAttribute("data-" + name) || "";
  }

  function describe(preview) {
    if (preview.description) return preview.description;
    if (preview.group && preview.group.name) return said("joins").replace("{group}", preview.group.name);
    return said("sign-up");
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
        if (answer.ok) show(true, said("valid").replace("{what}", describe(answer.body)));
        else show(false, said(answer.body.code) || said("bad"));
      })
      .catch(function () {
        if (mine === asked) show(false, said("unchecked"));
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
})();
