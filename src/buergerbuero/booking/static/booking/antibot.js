// ALTCHA in the booking and waitlist forms (docs/fair-release.md). The widget (npm `altcha`, loaded as a module
// just before this one) solves its proof-of-work in the background from page load (auto="onload"). This module
//  * gives the widget our texts (data-strings, from the German/English gettext catalogue);
//  * holds a click on a submit button while the proof is still being solved – the time list is one form with a
//    button per time – says so in the status line, and sends the form with *that* button once the proof is
//    there: nothing is lost, nobody ticks a box first. If htmx swapped in a new list meanwhile, the same time
//    is sent from the new list (its widget starts a proof of its own when it is connected);
//  * if the widget cannot work (script not loaded, no secure context, the challenge failing twice), sends the
//    signed delay ticket instead – the path of browsers without JavaScript; the server says if it is too early.
// A module runs once per page, also after htmx swaps, so the listeners sit on the document (capture phase:
// the widget's events do not bubble).
//
// htmx parses a swapped-in list without scripting, so its <noscript> becomes live markup: the delay ticket
// there would be posted after the widget's payload (and win). Such <noscript> content is dropped.

let intent = null; // the click waiting for a proof: {button, action, retried}

const first = document.querySelector("altcha-widget[data-strings]");
if (first && globalThis.$altcha) {
  globalThis.$altcha.i18n.set(first.getAttribute("language"), JSON.parse(first.dataset.strings));
}

function say(form, key) {
  const status = form.querySelector("[data-antibot-status]");
  if (status) status.textContent = key ? status.dataset[key] || "" : "";
}

function stateOf(widget) {
  return typeof widget.getState === "function" ? widget.getState() : null;
}

// The clicked button, or – after an htmx swap – the button for the same time in the new form.
function buttonIn(form) {
  const { button } = intent;
  if (button.isConnected && button.form === form) return button;
  return [...form.elements].find((el) => el.type === "submit" && el.name === button.name && el.value === button.value);
}

function send(form, button) {
  intent = null;
  form.requestSubmit(button);
}

function useTicket(form, widget, button) {
  const ticket = widget.dataset.ticket;
  if (!ticket) {
    intent = null;
    say(form, "failed");
    return;
  }
  const input = document.createElement("input");
  input.type = "hidden";
  input.name = widget.getAttribute("name");
  input.value = ticket;
  widget.replaceWith(input); // takes the widget's empty field and its required checkbox with it
  say(form, "ticketNote");
  send(form, button);
}

function dropNoscript(root) {
  for (const element of root.querySelectorAll("[data-antibot] noscript")) element.remove();
}

document.addEventListener("htmx:load", (event) => dropNoscript(event.target));
document.addEventListener("submit", (event) => dropNoscript(event.target), true);

document.addEventListener(
  "click",
  (event) => {
    const button = event.target instanceof Element ? event.target.closest("button, input[type=submit]") : null;
    if (!button || button.type !== "submit" || !button.form) return;
    const form = button.form;
    const widget = form.querySelector("altcha-widget");
    const state = widget ? stateOf(widget) : "none";
    if (state === "none" || state === "verified") return;
    event.preventDefault(); // also keeps the browser from stopping at the widget's required checkbox
    intent = { button, action: form.action, retried: false };
    if (state === null) {
      useTicket(form, widget, button); // the widget script did not load
      return;
    }
    say(form, "waiting");
    if (state !== "verifying") widget.verify(); // expired, reset by the back button, or failed before
  },
  true,
);

document.addEventListener(
  "statechange",
  (event) => {
    const widget = event.target;
    if (!intent || !(widget instanceof Element) || widget.localName !== "altcha-widget" || !widget.isConnected) return;
    const form = widget.closest("form");
    const button = form && form.action === intent.action ? buttonIn(form) : null;
    if (!button) return;
    const state = event.detail && event.detail.state;
    if (state === "verified") {
      say(form, "");
      send(form, button);
    } else if (state === "error" || state === "expired") {
      if (intent.retried) {
        useTicket(form, widget, button);
      } else {
        intent.retried = true;
        widget.verify();
      }
    }
  },
  true,
);
