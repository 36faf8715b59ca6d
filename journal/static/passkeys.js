// Ledelsesjournal: passkeys that open the journal (WebAuthn with the PRF extension).
// Loaded only by the pages that offer a passkey ([data-passkey] sections, hidden until this
// script finds a browser that can); the page's other ways in work without it.
// The PRF output is what opens the journal: it goes to the server beside the credential,
// over this site's own connection, and nowhere else (never stored in the browser).
(function () {
  "use strict";

  // --- base64url, WebAuthn's encoding of binary values in JSON -------------------------

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var binary = window.atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return window.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // --- Options from the server, credentials to it --------------------------------------

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    options.extensions.prf.eval.first = toBytes(options.extensions.prf.eval.first);
    return options;
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    var byCredential = options.extensions.prf.evalByCredential;
    Object.keys(byCredential).forEach(function (id) {
      byCredential[id] = { first: toBytes(byCredential[id].first) };
    });
    return options;
  }

  // The credential as JSON, as py_webauthn reads it (the PRF output travels separately).
  function credentialJSON(credential) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: {},
      response: { clientDataJSON: toText(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      json.response.attestationObject = toText(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toText(response.authenticatorData);
      json.response.signature = toText(response.signature);
      if (response.userHandle) json.response.userHandle = toText(response.userHandle);
    }
    return json;
  }

  function prfOutput(credential) {
    var results = credential.getClientExtensionResults();
    var prf = results && results.prf;
    return prf && prf.results && prf.results.first ? prf.results.first : null;
  }

  // --- Talking to the server -----------------------------------------------------------

  function Failure(message) {
    this.message = message;
  }

  function post(section, url, body) {
    return window
      .fetch(url, {
        method: "POST",
        body: JSON.stringify(body || {}),
        credentials: "same-origin",
        cache: "no-store",
        redirect: "manual",
        headers: {
          Accept: "application/json",
          "Content-Type": "application/json",
          "X-CSRFToken": section.dataset.csrf,
        },
      })
      .catch(function () {
        throw new Failure(section.dataset.msgNetwork);
      })
      .then(function (response) {
        // A redirect: the session ended or the journal locked meanwhile; the page knows.
        if (response.type === "opaqueredirect") throw new Failure(section.dataset.msgReload);
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (answer) {
            if (!response.ok) throw new Failure(answer.error || section.dataset.msgFailed);
            return answer;
          });
      });
  }

  // --- What the leader sees ------------------------------------------------------------

  function say(section, message) {
    var place = section.querySelector("[data-passkey-message]");
    place.textContent = message;
    place.hidden = !message;
  }

  // Without PRF the journal cannot open with a passkey: the page's passphrase is the way.
  // `data-fallback` names the passphrase's part of the page (or its field): opened here.
  function offerFallback(section) {
    var target = section.dataset.fallback && document.getElementById(section.dataset.fallback);
    if (!target) return;
    var details =
      target.tagName === "DETAILS"
        ? target
        : target.closest("details") || target.querySelector("details");
    if (details) details.open = true;
  }

  function trouble(section, error) {
    if (error instanceof Failure) return error.message;
    // NotAllowedError: cancelled, timed out, or no passkey of this journal on the device.
    if (error && error.name === "NotAllowedError") return section.dataset.msgCancelled;
    if (error && error.name === "InvalidStateError") return section.dataset.msgExists;
    return section.dataset.msgFailed;
  }

  // An authenticator without PRF made a passkey the journal cannot use: ask the browser
  // (where it can) to forget it, so that it is not offered again.
  function forget(options, credential) {
    var signal = window.PublicKeyCredential.signalUnknownCredential;
    if (typeof signal !== "function") return;
    try {
      signal
        .call(window.PublicKeyCredential, {
          rpId: options.rp.id,
          credentialId: toText(credential.rawId),
        })
        .catch(function () {});
    } catch (error) {
      // an older browser: the passkey stays on the device, unused
    }
  }

  // The PRF output of a passkey just made: from create() where the authenticator gives it
  // at once, else from one get() on the same salt (its assertion is not sent anywhere).
  function prfAfterCreate(options, credential) {
    var results = credential.getClientExtensionResults();
    if (!results.prf || results.prf.enabled === false) return Promise.resolve(null);
    var output = prfOutput(credential);
    if (output) return Promise.resolve(output);
    return navigator.credentials
      .get({
        publicKey: {
          challenge: window.crypto.getRandomValues(new Uint8Array(32)),
          rpId: options.rp.id,
          allowCredentials: [{ type: "public-key", id: credential.rawId }],
          userVerification: "required",
          extensions: { prf: { eval: { first: options.extensions.prf.eval.first } } },
        },
      })
      .then(prfOutput);
  }

  function register(section) {
    var nameField = section.querySelector("[data-passkey-name]");
    var options;
    var credential;
    return post(section, section.dataset.optionsUrl)
      .then(function (answer) {
        options = creationOptions(answer.publicKey);
        return navigator.credentials.create({ publicKey: options });
      })
      .then(function (made) {
        credential = made;
        return prfAfterCreate(options, credential);
      })
      .then(function (output) {
        if (!output) {
          forget(options, credential);
          offerFallback(section);
          throw new Failure(section.dataset.msgUnsupported);
        }
        return post(section, section.dataset.url, {
          credential: credentialJSON(credential),
          prf_output: toText(output),
          name: nameField ? nameField.value : "",
        });
      });
  }

  function unlock(section) {
    return post(section, section.dataset.optionsUrl)
      .then(function (answer) {
        return navigator.credentials.get({ publicKey: requestOptions(answer.publicKey) });
      })
      .then(function (assertion) {
        var output = prfOutput(assertion);
        if (!output) throw new Failure(section.dataset.msgUnsupported);
        return post(section, section.dataset.url, {
          credential: credentialJSON(assertion),
          prf_output: toText(output),
          next: section.dataset.next || "",
        });
      });
  }

  function start(section, button) {
    button.disabled = true;
    section.setAttribute("aria-busy", "true");
    say(section, "");
    var ceremony = section.dataset.passkey === "unlock" ? unlock : register;
    ceremony(section)
      .then(function (answer) {
        window.location.assign(answer.redirect);
      })
      .catch(function (error) {
        say(section, trouble(section, error));
        button.disabled = false;
        section.removeAttribute("aria-busy");
      });
  }

  function supported() {
    return Boolean(
      window.PublicKeyCredential &&
        navigator.credentials &&
        typeof navigator.credentials.create === "function" &&
        window.isSecureContext,
    );
  }

  function init() {
    var sections = document.querySelectorAll("[data-passkey]");
    Array.prototype.forEach.call(sections, function (section) {
      var button = section.querySelector("[data-passkey-start]");
      section.hidden = false;
      if (!supported()) {
        section.querySelector("[data-passkey-controls]").hidden = true;
        say(section, section.dataset.msgUnsupported);
        offerFallback(section);
        return;
      }
      button.addEventListener("click", function () {
        start(section, button);
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
