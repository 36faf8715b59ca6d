// Ledelsesjournal: small enhancements; every page works without them.
// - the keyboard shortcut "n" opens a new entry (and can be turned off: WCAG 2.1.4);
// - drafts are kept in this browser (localStorage) while writing and offered back;
// - a character count on long texts;
// - a chart wider than a phone scrolls in its frame, reachable by keyboard too.
(function () {
  "use strict";

  var SAVE_EVERY_MS = 3000;
  var SHORTCUT_OFF = "ledelsesjournal:shortcut-off";

  function typingTarget(element) {
    if (!element) return false;
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  function storage() {
    try {
      var probe = "ledelsesjournal:probe";
      window.localStorage.setItem(probe, probe);
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null; // private mode or storage switched off: no drafts, nothing breaks
    }
  }

  function shortcut(store) {
    var url = document.body.dataset.newEntryUrl;
    var toggle = document.querySelector("[data-shortcut-toggle]");
    if (!url) return;
    function off() {
      return store ? store.getItem(SHORTCUT_OFF) === "1" : false;
    }
    if (toggle && store) {
      var label = function () {
        toggle.textContent = off() ? toggle.dataset.off : toggle.dataset.on;
      };
      toggle.hidden = false;
      label();
      toggle.addEventListener("click", function () {
        if (off()) store.removeItem(SHORTCUT_OFF);
        else store.setItem(SHORTCUT_OFF, "1");
        label();
      });
    }
    document.addEventListener("keydown", function (event) {
      if (event.key !== "n" || event.ctrlKey || event.metaKey || event.altKey) return;
      if (off() || typingTarget(event.target) || event.defaultPrevented) return;
      if (document.querySelector("form[data-draft-key]")) return; // already writing
      event.preventDefault();
      window.location.assign(url);
    });
  }

  function clearSavedDrafts(store) {
    document.querySelectorAll("[data-clear-draft]").forEach(function (marker) {
      store.removeItem(marker.getAttribute("data-clear-draft"));
    });
  }

  function field(form, name) {
    var element = form.elements.namedItem(name);
    return element && element.value !== undefined ? element : null;
  }

  function readForm(form) {
    var tasks = [];
    form.querySelectorAll('input[name="tasks"]:checked').forEach(function (box) {
      tasks.push(box.value);
    });
    var value = function (name) {
      var element = field(form, name);
      return element ? element.value : "";
    };
    return {
      title: value("title"),
      body: value("body"),
      entry_date: value("entry_date"),
      version: value("version"),
      tasks: tasks,
    };
  }

  function writeForm(form, draft) {
    // The version goes back too: a draft made from an older version meets the server's
    // "changed elsewhere" check instead of silently replacing the newer text.
    ["title", "body", "entry_date", "version"].forEach(function (name) {
      var element = field(form, name);
      if (element && typeof draft[name] === "string" && draft[name] !== "") {
        element.value = draft[name];
      }
    });
    form.querySelectorAll('input[name="tasks"]').forEach(function (box) {
      box.checked = (draft.tasks || []).indexOf(box.value) !== -1;
    });
    var body = field(form, "body");
    if (body) body.dispatchEvent(new Event("input"));
  }

  function load(store, key) {
    try {
      return JSON.parse(store.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  // The newest draft of this entry (or of a new entry) left by another page, if any.
  function leftBehind(store, prefix, ownKey) {
    var best = null;
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key === ownKey || key.indexOf(prefix + ":") !== 0) continue;
      var draft = load(store, key);
      if (draft && (!best || draft.saved_at > best.draft.saved_at)) best = { key: key, draft: draft };
    }
    return best;
  }

  function offer(store, form, key, banner) {
    var own = load(store, key);
    var found = own ? { key: key, draft: own } : leftBehind(store, form.dataset.draftPrefix, key);
    if (!found || !banner) return;
    var current = readForm(form);
    if (found.draft.title === current.title && found.draft.body === current.body) return;
    var time = banner.querySelector("[data-draft-time]");
    if (time && found.draft.saved_at) {
      time.textContent = "(" + new Date(found.draft.saved_at).toLocaleString(document.documentElement.lang) + ")";
    }
    banner.hidden = false;
    banner.querySelector("[data-draft-restore]").addEventListener("click", function () {
      writeForm(form, found.draft);
      if (found.key !== key) {
        store.setItem(key, JSON.stringify(found.draft)); // this page looks after it now
        store.removeItem(found.key);
      }
      banner.hidden = true;
    });
    banner.querySelector("[data-draft-discard]").addEventListener("click", function () {
      store.removeItem(found.key);
      banner.hidden = true;
    });
  }

  function drafts(store) {
    document.querySelectorAll("form[data-draft-key]").forEach(function (form) {
      var key = form.getAttribute("data-draft-key");
      offer(store, form, key, form.querySelector("[data-draft-banner]"));

      var last = JSON.stringify(readForm(form));
      function save() {
        var current = readForm(form);
        var text = JSON.stringify(current);
        if (text === last) return;
        last = text;
        if (!current.title.trim() && !current.body.trim()) {
          store.removeItem(key); // emptied on purpose: nothing to bring back
          return;
        }
        current.saved_at = new Date().toISOString();
        try {
          store.setItem(key, JSON.stringify(current));
        } catch (error) {
          // storage full: the server-side protections still hold
        }
      }
      window.setInterval(save, SAVE_EVERY_MS);
      form.addEventListener("submit", save);
      window.addEventListener("pagehide", save);
    });
  }

  function counters() {
    document.querySelectorAll("textarea[data-max-length]").forEach(function (area) {
      var max = parseInt(area.getAttribute("data-max-length"), 10);
      var output = area.parentNode.querySelector("[data-char-count]");
      if (!output) return;
      var format = new Intl.NumberFormat(document.documentElement.lang);
      function update() {
        var length = area.value.replace(/\r\n/g, "\n").length;
        output.textContent = format.format(length) + " / " + format.format(max);
        output.classList.toggle("over", length > max);
        // Announced to screen readers only when it matters, not on every keystroke.
        if (length > max) output.setAttribute("role", "alert");
        else output.removeAttribute("role");
      }
      area.addEventListener("input", update);
      update();
    });
  }

  function chartFrames() {
    var frames = document.querySelectorAll(".chart-frame");
    function fit() {
      frames.forEach(function (frame) {
        var scrolls = frame.scrollWidth > frame.clientWidth + 1;
        // A region that scrolls must take the focus, so that arrow keys can scroll it.
        if (scrolls && !frame.hasAttribute("tabindex")) {
          frame.setAttribute("tabindex", "0");
        } else if (!scrolls && frame.hasAttribute("tabindex")) {
          frame.removeAttribute("tabindex");
        }
      });
    }
    if (frames.length) {
      fit();
      window.addEventListener("resize", fit);
    }
  }

  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    printButtons();
    chartFrames();
    var store = storage();
    shortcut(store);
    counters();
    if (store) {
      clearSavedDrafts(store);
      drafts(store);
    }
  });
})();
