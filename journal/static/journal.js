// Ledelsesjournal: small enhancements; every page works without them.
// - the keyboard shortcut "n" opens a new entry (and can be turned off: WCAG 2.1.4);
// - drafts are kept in this browser (localStorage) while writing, sealed, and offered back;
// - a character count on long texts;
// - a chart wider than a phone scrolls in its frame, reachable by keyboard too;
// - the service worker, which keeps the static files and an offline page (never a page).
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
    if (body) body.dispatchEvent(new Event("input", { bubbles: true })); // recount, and seal
  }

  // --- Drafts --------------------------------------------------------------------------
  // Kept in localStorage only sealed to the leader's public draft key (ECDH on P-256 with a
  // fresh key pair per save, HKDF-SHA256, AES-256-GCM): this browser cannot open what it
  // sealed. To offer a draft back, the page posts it to the server, which opens it for the
  // logged-in leader only (journal/entries/drafts.py). Stored under
  // "ledelsesjournal:draft:<user id>:<entry id or new>:<page>", the part before <page> being
  // what the seal is bound to, as {v, epk, iv, ct, saved_at}: no typed word in clear.
  var DRAFTS = "ledelsesjournal:draft:";
  var DRAFT_INFO = "ledelsesjournal draft v1";
  var SEAL_AFTER_MS = 700; // after the last keystroke: sealing is quick, but not instant
  var DAY_MS = 24 * 60 * 60 * 1000;
  var loggingOut = false; // from the moment the log-out form is sent, no page keeps drafts

  function keysOf(store) {
    var keys = [];
    for (var i = 0; i < store.length; i++) keys.push(store.key(i));
    return keys;
  }

  function load(store, key) {
    try {
      return JSON.parse(store.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function isSealed(draft) {
    return (
      !!draft &&
      draft.v === 1 &&
      ["epk", "iv", "ct", "saved_at"].every(function (name) {
        return typeof draft[name] === "string";
      })
    );
  }

  // Every page: drafts older than the limit go, and so does anything an older release
  // kept readable.
  function expireDrafts(store) {
    var days = parseInt(document.body.dataset.draftDays, 10) || 7;
    var oldest = Date.now() - days * DAY_MS;
    keysOf(store).forEach(function (key) {
      if (key.indexOf(DRAFTS) !== 0) return;
      var draft = load(store, key);
      if (!isSealed(draft) || !(Date.parse(draft.saved_at) >= oldest)) store.removeItem(key);
    });
  }

  function forgetDrafts(store, userId) {
    var prefix = DRAFTS + userId + ":";
    keysOf(store).forEach(function (key) {
      if (key.indexOf(prefix) === 0) store.removeItem(key);
    });
  }

  // A leader who logs out (here, or elsewhere: the page after says so) leaves no drafts.
  function forgetAtLogout(store) {
    document.querySelectorAll("[data-forget-drafts-of]").forEach(function (element) {
      var userId = element.getAttribute("data-forget-drafts-of");
      if (element.tagName !== "FORM") {
        forgetDrafts(store, userId);
        return;
      }
      element.addEventListener("submit", function () {
        loggingOut = true;
        forgetDrafts(store, userId);
      });
    });
  }

  function clearSavedDrafts(store) {
    document.querySelectorAll("[data-clear-draft]").forEach(function (marker) {
      store.removeItem(marker.getAttribute("data-clear-draft"));
    });
  }

  function toBase64(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return window.btoa(text).replace(/\+/g, "-").replace(/\//g, "_");
  }

  function fromBase64(text) {
    var raw = window.atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  // A function that seals a draft's fields for this form's place, or null where the browser
  // has no WebCrypto (only https and this computer's own addresses have it): then no draft
  // is kept at all rather than a readable one.
  function draftSealer(form) {
    var subtle = window.isSecureContext && window.crypto && window.crypto.subtle;
    var publicKey = form.dataset.draftPublicKey;
    if (!subtle || !publicKey || !window.TextEncoder) return null;
    var curve = { name: "ECDH", namedCurve: "P-256" };
    var encoder = new TextEncoder();
    var context = encoder.encode(form.dataset.draftPrefix);
    var leader = subtle.importKey("raw", fromBase64(publicKey), curve, false, []);
    leader.catch(function () {}); // a key that does not import: every seal fails, quietly

    return function seal(fields) {
      var ephemeral, epk;
      return leader
        .then(function (leaderKey) {
          return subtle.generateKey(curve, false, ["deriveBits"]).then(function (pair) {
            ephemeral = pair;
            return subtle.exportKey("raw", pair.publicKey);
          }).then(function (raw) {
            epk = new Uint8Array(raw);
            return subtle.deriveBits({ name: "ECDH", public: leaderKey }, ephemeral.privateKey, 256);
          });
        })
        .then(function (shared) {
          return subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
        })
        .then(function (secret) {
          var hkdf = { name: "HKDF", hash: "SHA-256", salt: epk, info: encoder.encode(DRAFT_INFO) };
          return subtle.deriveKey(hkdf, secret, { name: "AES-GCM", length: 256 }, false, ["encrypt"]);
        })
        .then(function (key) {
          var iv = window.crypto.getRandomValues(new Uint8Array(12));
          var plain = encoder.encode(JSON.stringify(fields));
          return subtle
            .encrypt({ name: "AES-GCM", iv: iv, additionalData: context }, key, plain)
            .then(function (sealed) {
              return {
                v: 1,
                epk: toBase64(epk),
                iv: toBase64(iv),
                ct: toBase64(new Uint8Array(sealed)),
                saved_at: fields.saved_at,
              };
            });
        });
    };
  }

  // The server opens a kept draft for the logged-in leader: its fields, or null. One that
  // does not open (404: sealed to keys since replaced, or altered) is dropped quietly; after
  // any other failure (the network, a session just ended) it stays for the next page.
  function openDraft(store, form, found) {
    var token = field(form, "csrf_token");
    var body = new URLSearchParams();
    body.set("csrf_token", token ? token.value : "");
    body.set("slot", form.dataset.draftPrefix);
    ["epk", "iv", "ct"].forEach(function (name) {
      body.set(name, found.draft[name]);
    });
    return window
      .fetch(form.dataset.draftOpen, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        cache: "no-store",
        redirect: "manual",
        headers: { Accept: "application/json" },
      })
      .then(function (response) {
        if (response.status === 404) {
          if (store.getItem(found.key) === found.raw) store.removeItem(found.key);
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .catch(function () {
        return null;
      });
  }

  function kept(store, key) {
    var draft = load(store, key);
    return isSealed(draft) ? { key: key, draft: draft, raw: store.getItem(key) } : null;
  }

  // The newest draft of this entry (or of a new entry) left by another page, if any.
  function leftBehind(store, prefix, ownKey) {
    var best = null;
    keysOf(store).forEach(function (key) {
      if (key === ownKey || key.indexOf(prefix + ":") !== 0) return;
      var found = kept(store, key);
      if (found && (!best || found.draft.saved_at > best.draft.saved_at)) best = found;
    });
    return best;
  }

  function offer(store, form, key, banner) {
    if (!banner || !form.dataset.draftOpen) return;
    var found = kept(store, key) || leftBehind(store, form.dataset.draftPrefix, key);
    if (!found) return;
    openDraft(store, form, found).then(function (draft) {
      if (draft === null) {
        if (store.getItem(found.key) === null) offer(store, form, key, banner); // the next one
        return;
      }
      var current = readForm(form);
      if (draft.title === current.title && draft.body === current.body) return;
      var time = banner.querySelector("[data-draft-time]");
      if (time && draft.saved_at) {
        time.textContent = "(" + new Date(draft.saved_at).toLocaleString(document.documentElement.lang) + ")";
      }
      banner.hidden = false;
      banner.querySelector("[data-draft-restore]").addEventListener("click", function () {
        writeForm(form, draft);
        if (found.key !== key && store.getItem(found.key) === found.raw) {
          store.setItem(key, found.raw); // this page looks after it now
          store.removeItem(found.key);
        }
        banner.hidden = true;
      });
      banner.querySelector("[data-draft-discard]").addEventListener("click", function () {
        if (store.getItem(found.key) === found.raw) store.removeItem(found.key);
        banner.hidden = true;
      });
    });
  }

  function keepDrafts(store, form, key) {
    var seal = draftSealer(form);
    if (!seal) return;
    var last = JSON.stringify(readForm(form));
    var queue = Promise.resolve(); // seals finish in the order they began
    var timer = null;
    function save() {
      window.clearTimeout(timer);
      var current = readForm(form);
      var text = JSON.stringify(current);
      if (loggingOut || text === last) return;
      last = text;
      var emptied = !current.title.trim() && !current.body.trim();
      current.saved_at = new Date().toISOString();
      queue = queue
        .then(function () {
          return emptied ? null : seal(current);
        })
        .then(function (sealed) {
          if (!sealed) store.removeItem(key); // emptied on purpose: nothing to bring back
          else if (!loggingOut) store.setItem(key, JSON.stringify(sealed));
        })
        .catch(function () {
          // storage full, or sealing refused: the server-side protections still hold
        });
    }
    function soon() {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, SEAL_AFTER_MS);
    }
    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
    window.setInterval(save, SAVE_EVERY_MS);
    form.addEventListener("submit", save);
    window.addEventListener("pagehide", save);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") save(); // a phone may end the tab unseen
    });
  }

  function drafts(store) {
    document.querySelectorAll("form[data-draft-key]").forEach(function (form) {
      var key = form.getAttribute("data-draft-key");
      offer(store, form, key, form.querySelector("[data-draft-banner]"));
      keepDrafts(store, form, key);
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

  function serviceWorker() {
    var manifest = document.querySelector("link[rel=manifest][data-service-worker]");
    if (!manifest || !("serviceWorker" in navigator)) return;
    // Without it the app works as before: no offline page, nothing else missing.
    navigator.serviceWorker.register(manifest.dataset.serviceWorker).catch(function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    serviceWorker();
    printButtons();
    chartFrames();
    var store = storage();
    shortcut(store);
    counters();
    if (store) {
      forgetAtLogout(store);
      expireDrafts(store);
      clearSavedDrafts(store);
      drafts(store);
    }
  });
})();
