// No form loses text: every form marked `data-keep-draft` (history, goals, check-ins, sessions,
// plans, plan items, client details, circles, the library...) warns before the page is left with
// unsaved changes, and keeps a copy of what was typed in this browser until the server takes it.
//
// The copy lives under "integration:<user id>:form:<the form's path>", the note editor's key
// scheme (static/js/notes.js), so app.js removes it when someone else signs in on this browser,
// and none is written when the person said at sign-in that this is a shared computer.
// Passwords, hidden fields and the CSRF token are never kept.
//
// Sent, then accepted? The server answers an accepted form with a redirect to another page; a
// refused one comes back showing what was sent, with its problems marked. So on submit the copy
// stays and the form is noted as sent (sessionStorage); on the next page the copy is dropped unless
// the same form is shown again, marked, holding that same text.
(() => {
  "use strict";

  const me = document.body && document.body.dataset.user;
  if (!me) return;
  const KEEPS_COPY = document.body.dataset.localCopies !== "off";
  const SENT = "integration-draft-sent:";
  const RESTORED = "Restored your unsaved text from this device.";

  function kept(el) {
    if (!el.name || el.disabled || el.name === "csrf_token") return false;
    return !["hidden", "password", "file", "submit", "button", "reset"].includes(el.type);
  }

  function collect(form) {
    const fields = {};
    for (const el of form.elements) {
      if (!kept(el)) continue;
      if (el.type === "checkbox" || el.type === "radio") {
        fields[`${el.name}=${el.value}`] = el.checked ? "on" : "";
      } else if (el.tagName === "SELECT" && el.multiple) {
        fields[el.name] = Array.from(el.selectedOptions, (option) => option.value).join("\n");
      } else {
        fields[el.name] = el.value;
      }
    }
    return fields;
  }

  function apply(form, fields) {
    for (const el of form.elements) {
      if (!kept(el)) continue;
      if (el.type === "checkbox" || el.type === "radio") {
        const key = `${el.name}=${el.value}`;
        if (key in fields) el.checked = fields[key] === "on";
      } else if (el.tagName === "SELECT" && el.multiple) {
        if (el.name in fields) {
          const chosen = new Set(fields[el.name].split("\n"));
          for (const option of el.options) option.selected = chosen.has(option.value);
        }
      } else if (el.name in fields) {
        el.value = fields[el.name];
      }
      el.dispatchEvent(new Event("change", { bubbles: true })); // dependent parts show themselves
    }
  }

  function same(a, b) {
    const names = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const name of names) if ((a[name] || "") !== (b[name] || "")) return false;
    return true;
  }

  const storage = {
    read(key) {
      try {
        const raw = window.localStorage.getItem(key);
        return raw ? JSON.parse(raw) : null;
      } catch (err) {
        return null;
      }
    },
    write(key, fields) {
      if (!KEEPS_COPY) return;
      try {
        window.localStorage.setItem(key, JSON.stringify({ fields, at: Date.now() }));
      } catch (err) {
        /* storage full or disabled: the warning before leaving still protects the text */
      }
    },
    drop(key) {
      try {
        window.localStorage.removeItem(key);
      } catch (err) {
        /* nothing to drop */
      }
    },
    sent(key, value) {
      try {
        if (value === undefined) return window.sessionStorage.getItem(SENT + key) === "1";
        if (value) window.sessionStorage.setItem(SENT + key, "1");
        else window.sessionStorage.removeItem(SENT + key);
      } catch (err) {
        /* no session storage: the copy is simply kept a little longer */
      }
      return false;
    },
  };

  function keyFor(form) {
    return `integration:${me}:form:${new URL(form.action, window.location.href).pathname}`;
  }

  function notice(form, key, original) {
    const line = document.createElement("p");
    line.className = "flash flash-info draft-restored";
    line.setAttribute("role", "status");
    line.append(`${RESTORED} `);
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "link-button";
    discard.textContent = "Discard it";
    discard.addEventListener("click", () => {
      apply(form, original);
      storage.drop(key);
      line.remove();
      form.dispatchEvent(new Event("input"));
    });
    line.append(discard);
    form.prepend(line);
  }

  function keep(form) {
    const key = keyFor(form);
    const shown = collect(form); // what the server put in the form
    let baseline = shown; // text the server already has: leaving with it loses nothing
    let sending = false;

    const local = storage.read(key);
    if (storage.sent(key)) {
      storage.sent(key, false);
      const refused = form.querySelector('[aria-invalid="true"], .field-error, .dose-confirm');
      if (local && refused && same(local.fields, shown)) {
        baseline = {}; // the server showed the form back with a problem to fix: not saved yet
      } else {
        storage.drop(key); // taken: this page is where the server went next
      }
    } else if (local && local.fields) {
      if (same(local.fields, shown)) {
        storage.drop(key);
      } else {
        apply(form, local.fields);
        notice(form, key, shown);
      }
    }

    const dirty = () => !same(collect(form), baseline);
    const changed = () => {
      if (dirty()) storage.write(key, collect(form));
      else storage.drop(key);
    };
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", (event) => {
      if (event.defaultPrevented) return; // a confirm() said no: nothing was sent
      sending = true;
      storage.sent(key, true);
    });
    window.addEventListener("pageshow", () => {
      sending = false; // back from the next page (the browser's cache): guard the form again
    });
    window.addEventListener("beforeunload", (event) => {
      if (sending || !dirty()) return;
      event.preventDefault();
      event.returnValue = ""; // older browsers need a value to ask
    });
  }

  // Forms sent from the page before that are not on this one were taken: their copies can go.
  function dropTaken(onThisPage) {
    let sent = [];
    try {
      sent = Array.from({ length: window.sessionStorage.length }, (_, i) => window.sessionStorage.key(i))
        .filter((name) => name && name.startsWith(SENT));
    } catch (err) {
      return;
    }
    sent.map((name) => name.slice(SENT.length)).filter((key) => !onThisPage.has(key)).forEach((key) => {
      storage.drop(key);
      storage.sent(key, false);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const forms = Array.from(document.querySelectorAll("form[data-keep-draft]"));
    dropTaken(new Set(forms.map(keyFor)));
    forms.forEach(keep);
  });
})();
