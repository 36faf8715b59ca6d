// Ledelsesjournal's service worker (served by journal/installable/routes.py).
// It keeps the static files and the offline page, the same for everyone, and NOTHING else:
// no page is ever stored, so nothing a leader wrote can be read from this browser's storage.
// A page is always fetched from the server; only when that fails is the offline page shown.
"use strict";

var CACHE = {{ cache_name|tojson }};
var STATIC_URLS = {{ static_urls|tojson }};
var OFFLINE_URL = {{ offline_url|tojson }};

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      // Fresh from the server (not the HTTP cache), and without cookies: they are public.
      return cache.addAll(STATIC_URLS.map(function (url) {
        return new Request(url, {cache: "reload", credentials: "omit"});
      }));
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name !== CACHE;
      }).map(function (name) {
        return caches.delete(name);
      }));
    }).then(function () {
      return self.clients.claim();
    })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  // A form sent while offline fails as it would without the worker: the browser offers to
  // send it again, and the draft stays in this browser.
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () {
      return caches.match(OFFLINE_URL, {cacheName: CACHE}).then(function (page) {
        return page || Response.error();
      });
    }));
    return;
  }
  if (!url.search && STATIC_URLS.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(url.pathname, {cacheName: CACHE}).then(function (kept) {
      return kept || fetch(request);
    }));
  }
  // Anything else goes to the network as if there were no worker, and is never stored.
});
