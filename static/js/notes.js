// The note editor: autosave to the server, a copy on this device until the server has it
// (none when the person said at sign-in that this is a shared computer), and a way back to the
// same text after a time-out, a closed tab or a dropped network.
// Everything it needs comes from data-* attributes on #note-editor (no inline scripts: CSP).
(() => {
  "use strict";

  const SAVE_EVERY_MS = 4000;
  // "This is a shared computer" at sign-in: no copy of the text is written to this browser.
  const KEEPS_COPY = document.body.dataset.localCopies !== "off";
  const NOT_KEPT = "Keep this page open: on a shared computer nothing is kept in the browser.";
  const KEPT = KEEPS_COPY ? "Your text is kept on this device." : NOT_KEPT;
  const SAFE = KEEPS_COPY ? "Your text is safe on this device." : NOT_KEPT;
  const SKIP = new Set(["csrf_token", "version"]);
  const CHOICES = /^(emotion-|safety-asked$|safety-follow_up$|progress-layout$)/;

  function start(form) {
    const status = document.getElementById("save-status");
    const signForm = document.getElementById("sign-form");
    const discardForm = document.getElementById("discard-form");
    const key = form.dataset.storageKey;
    const noteUrl = form.dataset.noteUrl;
    const loginUrl = form.dataset.loginUrl;
    const conflictMode = form.dataset.mode === "conflict";
    let version = Number(form.dataset.version);
    let dirty = false;
    let inFlight = null; // the promise of the save under way
    let stopped = false; // after a conflict, a sign-out or a signed note: no more autosaves
    let refusedFields = null; // fields of a save refused as invalid: not sent again unchanged

    // -- the fields and the copy on this device

    function collect() {
      const fields = {};
      for (const el of form.elements) {
        if (!el.name || SKIP.has(el.name) || el.disabled) continue;
        if (el.type === "radio") {
          // An emotion's pills: the checked one's value, "" when none is (never the last pill's).
          if (el.checked || !(el.name in fields)) fields[el.name] = el.checked ? el.value : "";
        } else {
          fields[el.name] = el.value;
        }
      }
      return fields;
    }

    function apply(fields) {
      for (const [name, value] of Object.entries(fields)) {
        const el = form.elements.namedItem(name);
        if (el && "value" in el && !SKIP.has(name)) el.value = value;
      }
      showLayout();
    }

    function same(a, b) {
      const names = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const name of names) if ((a[name] || "") !== (b[name] || "")) return false;
      return true;
    }

    function readLocal() {
      try {
        const raw = window.localStorage.getItem(key);
        return raw ? JSON.parse(raw) : null;
      } catch (err) {
        return null;
      }
    }

    function writeLocal(fields, basedOn) {
      if (!KEEPS_COPY) return true; // nothing to keep on a shared computer: not a problem to report
      try {
        window.localStorage.setItem(key, JSON.stringify({ version: basedOn, fields, at: Date.now() }));
        return true;
      } catch (err) {
        return false; // storage full or disabled: the server copy is all we have
      }
    }

    function dropLocal() {
      try {
        window.localStorage.removeItem(key);
      } catch (err) {
        /* nothing to drop */
      }
    }

    // -- the status line (an aria-live region)

    function say(text, link) {
      status.textContent = text;
      if (link) {
        status.append(" ");
        const a = document.createElement("a");
        a.href = link.href;
        a.textContent = link.text;
        status.append(a);
        if (link.after) status.append(link.after);
      }
      status.dataset.state = link ? "attention" : "";
    }

    function markErrors(errors) {
      form.querySelectorAll("[data-error-for]").forEach((small) => {
        const message = errors[small.dataset.errorFor];
        const field = form.elements.namedItem(small.dataset.errorFor);
        small.textContent = message || "";
        small.hidden = !message;
        if (field && field.setAttribute) {
          if (message) field.setAttribute("aria-invalid", "true");
          else field.removeAttribute("aria-invalid");
        }
      });
    }

    function setVersion(next) {
      version = next;
      form.dataset.version = String(next);
      form.elements.namedItem("version").value = String(next);
      if (signForm) signForm.elements.namedItem("version").value = String(next);
      if (discardForm) discardForm.elements.namedItem("version").value = String(next);
    }

    // -- saving

    async function send(fields, basedOn) {
      const body = new FormData();
      body.append("version", String(basedOn));
      for (const [name, value] of Object.entries(fields)) body.append(name, value);
      const response = await fetch(form.action, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": form.elements.namedItem("csrf_token").value },
      });
      let data = {};
      try {
        data = await response.json();
      } catch (err) {
        data = {};
      }
      return { status: response.status, data };
    }

    async function saveNow({ basedOn = version, fields = collect() } = {}) {
      if (inFlight) {
        await inFlight;
        if (!dirty) return true;
        fields = collect();
        basedOn = version;
      }
      if (overLimit(fields) > 0) {
        refusedFields = fields; // not sent: the server could not take it in one save
        say(tooLargeMessage(fields));
        return false;
      }
      let result;
      inFlight = send(fields, basedOn);
      say("Saving…");
      try {
        result = await inFlight;
      } catch (err) {
        say(KEEPS_COPY ? "Offline — kept on this device. Trying again in a moment."
          : "Offline — keep this page open. Trying again in a moment.");
        return false;
      } finally {
        inFlight = null;
      }
      const { status: code, data } = result;
      if (code === 200) {
        setVersion(data.version);
        markErrors({});
        refusedFields = null;
        if (same(collect(), fields)) {
          dirty = false;
          dropLocal();
        } else {
          writeLocal(collect(), version); // typed more while saving: keep that, on the new version
        }
        say(`Saved ${data.saved_at}`);
        if (conflictMode) window.location.replace(noteUrl);
        return true;
      }
      if (code === 401) {
        stopped = true;
        signedOutNotice();
        return false;
      }
      if (code === 409 && data.error === "conflicts-full") {
        stopped = true; // the server keeps no more copies until the versions are compared
        say(`${data.message} ${KEPT}`, { href: data.conflict_url, text: "Compare the versions" });
        return false;
      }
      if (code === 409 && data.error === "conflict") {
        stopped = true;
        say(`${data.message || "Someone else saved this note while you were writing."} ${SAFE}`,
          { href: data.conflict_url, text: "Compare both versions" });
        return false;
      }
      if (code === 409) {
        stopped = true;
        say(`${data.message || "This note can no longer be changed."} ${KEPT}`,
          { href: noteUrl, text: "Reload the note" });
        return false;
      }
      if (code === 413) {
        refusedFields = fields;
        say(tooLargeMessage(fields));
        return false;
      }
      if (code === 422 && data.errors) {
        refusedFields = fields;
        markErrors(data.errors);
        say(`Not saved: ${data.message} ${KEPT}`);
        return false;
      }
      stopped = true;
      if (code === 400 && (await signedOut())) {
        // The session cookie expired with the session, so the request failed its CSRF check
        // before the server could answer 401: same situation, same way back.
        signedOutNotice();
        return false;
      }
      say(`Not saved: the page may be out of date. ${KEPT}`,
        { href: noteUrl, text: "Reload the note" });
      return false;
    }

    function signedOutNotice() {
      if (KEEPS_COPY) {
        say("Signed out — ", { href: loginUrl, text: "sign in", after: " and your text will be here." });
      } else {
        say("Signed out — copy your text before you sign in again (a shared computer keeps no copy): ",
          { href: loginUrl, text: "sign in" });
      }
    }

    async function signedOut() {
      // The sign-in page redirects people who are signed in, and shows itself to everyone else.
      // Only the answer's status matters; the body is read all the same, so the request ends
      // cleanly instead of being cut off later, when the page moves on.
      try {
        const probe = await fetch(loginUrl, { redirect: "manual", credentials: "same-origin" });
        if (probe.type !== "opaqueredirect") await probe.text();
        return probe.type !== "opaqueredirect" && probe.status === 200;
      } catch (err) {
        return false;
      }
    }

    // -- a note larger than one save can carry (the server's request limit, in bytes)

    function overLimit(fields) {
      const limit = Number(form.dataset.maxRequestBytes);
      if (!limit) return 0;
      const encoder = new TextEncoder();
      let bytes = 0;
      for (const [name, value] of Object.entries(fields)) bytes += encoder.encode(name + value).length + 200;
      return bytes - limit;
    }

    function tooLargeMessage(fields) {
      const limit = Number(form.dataset.maxRequestBytes) || 0;
      const text = Object.values(fields).join("");
      const bytes = new TextEncoder().encode(text).length || 1;
      // Characters beyond what fits, at this text's own bytes per character.
      const over = Math.ceil(text.length - (text.length * limit) / bytes);
      const amount = over > 0 ? `${over.toLocaleString("en-US")} characters` : "a little";
      return `Not saved: this note is ${amount} over the limit for one save. Shorten it, or move part of it ` +
        `into another note. ${KEPT}`;
    }

    function changed() {
      dirty = true;
      if (!writeLocal(collect(), version)) say("Not saved yet (this device cannot keep a copy).");
      else if (!stopped && !inFlight) say(conflictMode ? "Not saved yet: choose what to keep, then save." : "Not saved yet");
    }

    function autosave() {
      if (!dirty || stopped || conflictMode || inFlight) return;
      if (refusedFields && same(refusedFields, collect())) return;
      saveNow();
    }

    // -- the progress-note layout shows the parts of the chosen layout only

    function showLayout() {
      const choice = form.elements.namedItem("progress-layout");
      if (!choice) return;
      form.querySelectorAll("[data-layout]").forEach((part) => {
        part.hidden = part.dataset.layout !== choice.value;
      });
    }

    // -- conflict view: take their text, or add it below mine

    form.addEventListener("click", (event) => {
      const use = event.target.closest("[data-conflict-use]");
      const add = event.target.closest("[data-conflict-append]");
      const button = use || add;
      if (!button) return;
      const field = form.elements.namedItem(use ? use.dataset.conflictUse : add.dataset.conflictAppend);
      if (!field) return;
      field.value = use ? button.dataset.value : [field.value, button.dataset.value].filter(Boolean).join("\n\n");
      const focusable = field instanceof RadioNodeList
        ? [...field].find((radio) => radio.checked) || field[0] : field;
      focusable.focus();
      showLayout();
      changed();
    });

    // -- a folded section says in one line what it holds

    function foldSummary(section) {
      const parts = [];
      section.querySelectorAll("textarea").forEach((area) => {
        if (area.value.trim()) parts.push(area.value.trim().replace(/\s+/g, " "));
      });
      section.querySelectorAll("input[type=radio]:checked").forEach((radio) => {
        const name = document.getElementById(`f-${radio.name}-label`);
        if (radio.value && name) parts.unshift(`${name.textContent} ${radio.value}`);
      });
      return parts.length ? parts.join(" · ") : "Nothing written";
    }

    form.querySelectorAll("details.note-fold").forEach((fold) => {
      fold.addEventListener("toggle", () => {
        const line = fold.querySelector("[data-fold-summary]");
        if (line) line.textContent = fold.open ? "" : foldSummary(fold);
      });
    });

    form.addEventListener("input", changed);
    form.addEventListener("change", () => {
      showLayout();
      changed();
    });
    form.addEventListener("focusout", (event) => {
      if (event.target.name && !SKIP.has(event.target.name)) autosave();
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      stopped = false;
      if (!dirty && !inFlight) {
        say("Saved — nothing new since the last save.");
        return;
      }
      saveNow();
    });
    if (signForm) {
      signForm.addEventListener("submit", async (event) => {
        if (!dirty && !inFlight) return; // what is signed is what the server has
        event.preventDefault();
        if (await saveNow()) signForm.submit();
      });
    }
    if (discardForm) {
      // What is discarded is kept as a revision: save what is typed first, so the Undo brings it all back.
      discardForm.addEventListener("submit", async (event) => {
        event.preventDefault();
        if ((dirty || inFlight) && !(await saveNow())) return;
        stopped = true; // no autosave may follow the draft out of the record
        dropLocal(); // the server keeps exactly this text with the discarded draft
        discardForm.submit();
      });
    }
    window.setInterval(autosave, SAVE_EVERY_MS);
    window.addEventListener("online", autosave);
    window.addEventListener("pagehide", () => {
      // A last try when the tab closes; the copy on this device stays until a page load confirms it.
      if (!dirty || stopped || conflictMode || !navigator.sendBeacon) return;
      const body = new FormData(form);
      body.set("version", String(version));
      body.set("beacon", "1");
      navigator.sendBeacon(form.action, body);
    });

    // -- on load: is there text on this device the server does not have?

    const local = readLocal();
    if (local && local.fields) {
      if (same(local.fields, collect())) {
        dropLocal(); // the server has exactly this
      } else if (conflictMode) {
        apply(local.fields); // my latest words, to compare with what was saved meanwhile
        dirty = true;
        say("Your latest text from this device is in the editor. Choose what to keep, then save.");
      } else if (Number(local.version) >= version) {
        apply(local.fields);
        dirty = true;
        say("Restored your text from this device. Saving…");
        saveNow();
      } else {
        // Written on an older version than the server's: send it as it was, so the server keeps
        // both texts and shows them side by side instead of one silently replacing the other.
        say("Found text on this device from an earlier version of this note. Comparing…");
        saveNow({ basedOn: Number(local.version), fields: local.fields }).then(() => {
          const link = status.querySelector("a");
          if (link && link.textContent === "Compare both versions") window.location.assign(link.href);
        });
      }
    }
    showLayout();
  }

  // A signed note: if this device still holds unsaved text for it, say so rather than lose it.
  function strayCopy(box) {
    let local = null;
    try {
      local = JSON.parse(window.localStorage.getItem(box.dataset.storageKey) || "null");
    } catch (err) {
      local = null;
    }
    const out = document.getElementById("stray-copy");
    if (!local || !local.fields || !out) return;
    const signed = JSON.parse(box.dataset.fields || "{}");
    const differs = Object.keys(local.fields).some((name) => (local.fields[name] || "") !== (signed[name] || ""));
    if (!differs) {
      window.localStorage.removeItem(box.dataset.storageKey); // the signed note holds exactly this
      return;
    }
    const text = Object.entries(local.fields)
      .filter(([name, value]) => value && !CHOICES.test(name) && value !== (signed[name] || ""))
      .map(([, value]) => value)
      .join("\n\n");
    if (!text) return;
    out.hidden = false;
    out.textContent = "This device kept text for this note that was not saved before it was signed. ";
    const fill = document.createElement("button");
    fill.type = "button";
    fill.className = "secondary outline";
    fill.textContent = "Put it in the addendum form";
    fill.addEventListener("click", () => {
      const area = document.querySelector("#addendum-form textarea");
      if (area) {
        area.value = text;
        area.focus();
      }
    });
    const drop = document.createElement("button");
    drop.type = "button";
    drop.className = "secondary outline";
    drop.textContent = "Discard it";
    drop.addEventListener("click", () => {
      window.localStorage.removeItem(box.dataset.storageKey);
      out.hidden = true;
    });
    out.append(fill, " ", drop);
  }

  // "+ insight" in a section: open the insight form below the note and put the cursor in it.
  // (The panel is replaced when an insight is added, so the form is looked up at each click.)
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-add-insight]");
    const adder = document.getElementById("insight-add");
    if (!link || !adder) return;
    event.preventDefault();
    adder.open = true;
    adder.scrollIntoView({ block: "start" });
    const first = adder.querySelector("textarea, input:not([type=hidden])");
    if (first) first.focus();
  });

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("note-editor");
    if (form) start(form);
    const signed = document.getElementById("note-signed");
    if (signed) strayCopy(signed);
  });
})();
