// The pages behind the links in Ladda's emails. The token stays in the page: it is sent to the
// API only when the person presses the button.
"use strict";

(function () {
  const token = new URLSearchParams(window.location.search).get("token") || "";
  const result = document.getElementById("result");

  async function post(path, body) {
    const res = await fetch("/api/v1/auth/" + path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    return { ok: res.ok, message: res.ok ? data.message : data.detail || "Something went wrong; try again." };
  }

  function show(r, form) {
    result.textContent = r.message;
    result.className = r.ok ? "ok" : "error";
    if (r.ok) {
      form.hidden = true;
    }
  }

  const verify = document.getElementById("verify");
  if (verify) {
    verify.addEventListener("submit", async (e) => {
      e.preventDefault();
      show(await post("verify-email", { token }), verify);
    });
  }
  const reset = document.getElementById("reset");
  if (reset) {
    reset.addEventListener("submit", async (e) => {
      e.preventDefault();
      show(await post("password-reset/confirm", { token, password: reset.password.value }), reset);
    });
  }
})();
