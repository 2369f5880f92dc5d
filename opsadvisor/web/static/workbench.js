/* opsadvisor workbench: partial page updates, written for this workbench (no library).

Every page works without it: links load pages, forms post and the server redirects. With it, the marked
elements ask the server for a part of the page instead, sending the X-Partial header (and the CSRF token
from the page's <meta name="csrf-token">), and put the answer (an error's too) where they say:

  data-get="URL"     on a link or button: GET on click; on a <details>: GET when first opened
  form data-part     a form: sent (GET or POST, as its method says) on submit
  data-target="SEL"  where the answer goes: the first match inside the element, else in the page
  data-swap="outer"  the answer replaces the target itself (by default, its content)
  form data-live="URL"  the interview form: on every change, POST to URL; the JSON answer (the preview
                     line, each field's error, which questions apply, the proposed file name) updates
                     the page as the answers are typed

After a swap, the element marked autofocus in the answer (a refused control) gets the focus, in view.
*/
"use strict";

(function () {
  const PARTIAL = { "X-Partial": "true" };

  function csrf() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? { "X-CSRF-Token": meta.getAttribute("content") } : {};
  }

  function target(element) {
    const selector = element.getAttribute("data-target");
    if (!selector) return element;
    return element.querySelector(selector) || document.querySelector(selector);
  }

  function swap(element, html) {
    const where = target(element);
    if (!where) return;
    const template = document.createElement("template");
    template.innerHTML = html;
    const focus = template.content.querySelector("[autofocus]");
    if (element.getAttribute("data-swap") === "outer") {
      where.replaceWith(template.content);
    } else {
      where.replaceChildren(template.content);
    }
    if (focus) {
      focus.focus({ preventScroll: true });
      focus.scrollIntoView({ block: "center" });
    }
  }

  async function load(element, url, options) {
    element.setAttribute("aria-busy", "true");
    try {
      const answer = await fetch(url, options);
      swap(element, await answer.text());
    } catch (error) {
      swap(element, '<p class="problem">The workbench did not answer: is it still running? Reload the page.</p>');
    } finally {
      element.removeAttribute("aria-busy");
    }
  }

  function get(element, url) {
    return load(element, url, { headers: { ...PARTIAL, ...csrf() }, credentials: "same-origin" });
  }

  function submit(form, submitter) {
    const data = new FormData(form, submitter);
    if ((form.getAttribute("method") || "get").toLowerCase() === "post") {
      return load(form, form.action, {
        method: "POST",
        body: data,
        headers: { ...PARTIAL, ...csrf() },
        credentials: "same-origin",
      });
    }
    const url = new URL(form.action, document.baseURI);
    for (const [key, value] of data) url.searchParams.append(key, value);
    return get(form, url.toString());
  }

  document.addEventListener("click", function (event) {
    const element = event.target.closest("[data-get]:not(details)");
    if (!element || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    get(element, element.getAttribute("data-get"));
  });

  document.addEventListener(
    "toggle",
    function (event) {
      const details = event.target;
      if (!(details instanceof HTMLDetailsElement) || !details.open || !details.hasAttribute("data-get")) return;
      const url = details.getAttribute("data-get");
      details.removeAttribute("data-get"); // once
      get(details, url);
    },
    true,
  );

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-part")) return;
    event.preventDefault();
    submit(form, event.submitter);
  });

  // --- the interview form: the preview and the field errors follow the answers ----------------------------

  function live(form) {
    const url = form.getAttribute("data-live");
    const file = form.querySelector('[name="file"]');
    let sent = 0;
    let timer = null;

    async function preview() {
      const number = ++sent;
      const data = new FormData(form);
      data.delete("file");
      let answer;
      try {
        const response = await fetch(url, {
          method: "POST",
          body: data,
          headers: { ...PARTIAL, ...csrf(), Accept: "application/json" },
          credentials: "same-origin",
        });
        answer = await response.json();
      } catch (error) {
        return;
      }
      if (number !== sent) return; // a later answer is on its way
      document.getElementById("preview").textContent = answer.preview;
      for (const [path, state] of Object.entries(answer.fields)) {
        const key = path.replaceAll(".", "-");
        const error = document.getElementById("e-" + key);
        if (error) error.textContent = state.error;
        const question = document.getElementById("q-" + key);
        if (question) question.classList.toggle("not-asked", !state.applies);
      }
      if (file && !file.hasAttribute("data-typed")) file.value = answer.file;
    }

    form.addEventListener("input", function (event) {
      if (event.target === file) {
        file.setAttribute("data-typed", "");
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(preview, 250);
    });
    form.addEventListener("change", function (event) {
      if (event.target === file) return;
      clearTimeout(timer);
      preview();
    });
  }

  function start() {
    document.querySelectorAll("form[data-live]").forEach(live);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
