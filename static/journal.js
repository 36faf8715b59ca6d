// Ledelsesjournal: small enhancements; every page works without them.
// - the keyboard shortcut "n" opens a new entry;
// - drafts are kept in this browser (localStorage) while writing and offered back;
// - a live character count on long texts.
(function () {
  "use strict";

  var SAVE_EVERY_MS = 3000;

  function typingTarget(element) {
    if (!element) return false;
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  function storage() {
    try {
      var probe = "__ledelsesjournal__";
      window.localStorage.setItem(probe, probe);
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (error) {
      return null; // private mode or storage switched off: no drafts, nothing breaks
    }
  }

  function shortcut() {
    var url = document.body.dataset.newEntryUrl;
    if (!url) return;
    document.addEventListener("keydown", function (event) {
      if (event.key !== "n" || event.ctrlKey || event.metaKey || event.altKey) return;
      if (typingTarget(event.target) || event.defaultPrevented) return;
      event.preventDefault();
      window.location.assign(url);
    });
  }

  function clearSavedDrafts(store) {
    document.querySelectorAll("[data-clear-draft]").forEach(function (marker) {
      store.removeItem(marker.getAttribute("data-clear-draft"));
    });
  }

  function readForm(form) {
    var tasks = [];
    form.querySelectorAll('input[name="tasks"]:checked').forEach(function (box) {
      tasks.push(box.value);
    });
    var field = function (name) {
      var element = form.elements.namedItem(name);
      return element ? element.value : "";
    };
    return {
      title: field("title"),
      body: field("body"),
      entry_date: field("entry_date"),
      tasks: tasks,
    };
  }

  function writeForm(form, draft) {
    ["title", "body", "entry_date"].forEach(function (name) {
      var element = form.elements.namedItem(name);
      if (element && typeof draft[name] === "string") element.value = draft[name];
    });
    form.querySelectorAll('input[name="tasks"]').forEach(function (box) {
      box.checked = (draft.tasks || []).indexOf(box.value) !== -1;
    });
    var body = form.elements.namedItem("body");
    if (body) body.dispatchEvent(new Event("input"));
  }

  function sameText(a, b) {
    return a.title === b.title && a.body === b.body;
  }

  function drafts(store) {
    document.querySelectorAll("form[data-draft-key]").forEach(function (form) {
      var key = form.getAttribute("data-draft-key");
      var banner = form.querySelector("[data-draft-banner]");
      var stored = null;
      try {
        stored = JSON.parse(store.getItem(key) || "null");
      } catch (error) {
        stored = null;
      }
      if (stored && banner && !sameText(stored, readForm(form))) {
        var time = banner.querySelector("[data-draft-time]");
        if (time && stored.saved_at) {
          time.textContent = "(" + new Date(stored.saved_at).toLocaleString(document.documentElement.lang) + ")";
        }
        banner.hidden = false;
        banner.querySelector("[data-draft-restore]").addEventListener("click", function () {
          writeForm(form, stored);
          banner.hidden = true;
        });
        banner.querySelector("[data-draft-discard]").addEventListener("click", function () {
          store.removeItem(key);
          banner.hidden = true;
        });
      }

      var last = JSON.stringify(readForm(form));
      function save() {
        var current = readForm(form);
        var text = JSON.stringify(current);
        if (text === last) return;
        last = text;
        if (!current.title.trim() && !current.body.trim()) return;
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
        var length = area.value.length;
        output.textContent = format.format(length) + " / " + format.format(max);
        output.classList.toggle("over", length > max);
      }
      area.addEventListener("input", update);
      update();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    shortcut();
    counters();
    var store = storage();
    if (store) {
      clearSavedDrafts(store);
      drafts(store);
    }
  });
})();
