// Plans: schedule fields that follow the chosen kind, focus kept after reordering, drag to reorder.
// Everything here is an enhancement: without JavaScript every control still works as a form.
(() => {
  "use strict";

  function syncScheduleFields(select) {
    const form = select.form;
    if (!form) return;
    form.querySelectorAll("[data-schedule-for]").forEach((box) => {
      box.hidden = box.dataset.scheduleFor !== select.value;
    });
  }

  function focusAfterSwap() {
    const target = document.querySelector("[data-focus-after-swap]");
    if (target) {
      target.removeAttribute("data-focus-after-swap");
      target.focus();
    }
  }

  // Drag and drop: the whole order is sent at once; the server answers with the list.
  let dragged = null;

  function itemFrom(event) {
    return event.target.closest ? event.target.closest("#plan-items > li[data-item-id]") : null;
  }

  async function saveOrder(list) {
    const body = new URLSearchParams();
    body.append("csrf_token", list.dataset.csrf);
    list.querySelectorAll(":scope > li[data-item-id]").forEach((li) => body.append("item_id", li.dataset.itemId));
    const response = await fetch(list.dataset.orderUrl, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": list.dataset.csrf },
    });
    await showNewOrder(response);
  }

  // The server answers a reorder with the list in its new order and a sentence for screen readers.
  async function showNewOrder(response) {
    if (!response.ok) {
      window.location.reload();
      return;
    }
    const holder = document.createElement("template");
    holder.innerHTML = await response.text();
    const fresh = holder.content.querySelector("#plan-items");
    const status = holder.content.querySelector("#order-status");
    const list = document.getElementById("plan-items");
    if (fresh && list) list.replaceWith(fresh);
    const live = document.getElementById("order-status");
    if (live && status) live.textContent = status.textContent;
    enableDragging();
    focusAfterSwap();
  }

  // Move up / Move down: one listener on the document, so a list that was just replaced answers
  // a key press at once (no wait for anything to bind to the new buttons). Without JavaScript the
  // same forms post and the page reloads.
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest ? event.target.closest("form[data-move-item]") : null;
    if (!form) return;
    event.preventDefault();
    const response = await fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
      headers: { "HX-Request": "true" },
    });
    await showNewOrder(response);
  });

  function enableDragging() {
    const list = document.getElementById("plan-items");
    if (!list || !list.dataset.orderUrl) return;
    list.classList.add("draggable-list");
    list.querySelectorAll(":scope > li[data-item-id]").forEach((li) => { li.draggable = true; });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("select[data-schedule-kind]").forEach((select) => {
      syncScheduleFields(select);
      select.addEventListener("change", () => syncScheduleFields(select));
    });
    document.querySelectorAll("[data-select-on-focus]").forEach((input) => {
      input.addEventListener("focus", () => input.select());
    });
    enableDragging();
  });

  document.addEventListener("htmx:afterSettle", () => {
    enableDragging();
    focusAfterSwap();
  });

  document.addEventListener("dragstart", (event) => {
    const li = itemFrom(event);
    if (!li) return;
    dragged = li;
    li.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", li.dataset.itemId);
  });

  document.addEventListener("dragover", (event) => {
    const li = itemFrom(event);
    if (!dragged || !li || li === dragged) return;
    event.preventDefault();
    const box = li.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    li.parentNode.insertBefore(dragged, after ? li.nextSibling : li);
  });

  document.addEventListener("drop", (event) => {
    if (dragged && itemFrom(event)) event.preventDefault();
  });

  document.addEventListener("dragend", () => {
    if (!dragged) return;
    const list = dragged.parentNode;
    dragged.classList.remove("dragging");
    dragged = null;
    saveOrder(list);
  });
  // The private link's copy button (shown only with JavaScript; without it the field selects itself).
  document.querySelectorAll("[data-copy-from]").forEach((button) => {
    button.hidden = !navigator.clipboard;
    button.addEventListener("click", async () => {
      const field = document.getElementById(button.dataset.copyFrom);
      const status = document.getElementById("copy-status");
      try {
        await navigator.clipboard.writeText(field.value);
        if (status) status.textContent = "Copied.";
      } catch (error) {
        field.select();
        if (status) status.textContent = "Select the link and copy it.";
      }
    });
  });
})();
