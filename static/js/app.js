// Small behaviours shared by every page. No inline scripts: the Content-Security-Policy forbids them.

// The note editor keeps unsaved text in this browser under "integration:<user id>:<kind>:<note id>".
// Whoever is signed in now, copies that belong to anyone else are removed: the next person at a
// shared computer cannot read the previous one's notes. (Keys without a person, from before keys
// named one, go too.)
(() => {
  const me = document.body && document.body.dataset.user;
  if (!me) return;
  try {
    const keys = Array.from({ length: window.localStorage.length }, (_, i) => window.localStorage.key(i));
    keys.filter((key) => key && key.startsWith("integration:") && !key.startsWith(`integration:${me}:`))
      .forEach((key) => window.localStorage.removeItem(key));
  } catch (err) {
    /* storage disabled: nothing is kept, nothing to remove */
  }
})();
document.addEventListener("DOMContentLoaded", () => {
  // Buttons that ask before doing something that cannot be undone.
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
});

// When a small in-page request (htmx) is refused, say so where everyone can see and hear it,
// instead of leaving the page silently unchanged.
document.addEventListener("htmx:responseError", (event) => {
  const box = document.getElementById("request-problem");
  if (!box) return;
  const xhr = event.detail.xhr;
  let data = {};
  try {
    data = JSON.parse(xhr.responseText);
  } catch (err) {
    data = {};
  }
  const line = document.createElement("p");
  line.className = "flash flash-error";
  if (xhr.status === 401) {
    line.append("You were signed out. ");
    const link = document.createElement("a");
    link.href = box.dataset.login;
    link.textContent = "Sign in again";
    line.append(link, " — then try once more.");
  } else if (data.error === "form-expired") {
    line.append("This page was open a long time. Reload it, then try again.");
  } else {
    line.append(data.message ? `${data.error}. ${data.message}` : "That did not work. Please try again.");
  }
  box.replaceChildren(line);
  box.hidden = false;
});

// Disclosure menus (the top menu, the account menu) are <details>: they open and close with the
// keyboard and without script. Script adds what people expect of a menu: Escape folds the menu the
// focus is in and puts the focus back on its button; a click elsewhere folds an open menu.
(() => {
  const MENUS = "details.site-menu, details.dropdown";
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const menu = event.target.closest && event.target.closest(`${MENUS}[open]`);
    if (!menu) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });
  document.addEventListener("click", (event) => {
    document.querySelectorAll(`${MENUS}[open]`).forEach((menu) => {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
})();
