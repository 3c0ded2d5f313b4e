// Security keys (WebAuthn) as second factor: register a key, or sign in with one.
// The box #security-key names the two endpoints (options, then the key's answer); the server checks everything.
// Without WebAuthn in the browser the button stays hidden and the box says so; the code form still works.
(function () {
  "use strict";
  var box = document.getElementById("security-key");
  if (!box) return;
  var button = document.getElementById("security-key-button");
  var status = document.getElementById("security-key-status");
  var nameInput = document.getElementById("security-key-name");
  var csrf = box.querySelector("input[name=csrfmiddlewaretoken]").value;
  var register = box.dataset.mode === "register";
  if (!window.PublicKeyCredential || !navigator.credentials) {
    status.textContent = box.dataset.unsupported;
    return;
  }
  button.hidden = false;

  function toBytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }

  function toText(buffer) {
    if (!buffer) return null;
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.detail || box.dataset.failed);
        return data;
      });
    });
  }

  function descriptors(list) {
    return (list || []).map(function (d) { return { type: d.type, id: toBytes(d.id), transports: d.transports }; });
  }

  function publicKey(options) {
    options.challenge = toBytes(options.challenge);
    if (register) {
      options.user.id = toBytes(options.user.id);
      options.excludeCredentials = descriptors(options.excludeCredentials);
    } else {
      options.allowCredentials = descriptors(options.allowCredentials);
    }
    return options;
  }

  function answer(credential) {
    var r = credential.response;
    var out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toText(r.clientDataJSON) }
    };
    if (register) {
      out.response.attestationObject = toText(r.attestationObject);
      out.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(r.authenticatorData);
      out.response.signature = toText(r.signature);
      out.response.userHandle = toText(r.userHandle);
    }
    return out;
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = box.dataset.waiting;
    post(box.dataset.optionsUrl).then(function (options) {
      var request = { publicKey: publicKey(options) };
      return register ? navigator.credentials.create(request) : navigator.credentials.get(request);
    }).then(function (credential) {
      var body = { credential: answer(credential) };
      if (nameInput) body.name = nameInput.value;
      return post(box.dataset.url, body);
    }).then(function (done) {
      window.location.assign(done.redirect_url);
    }).catch(function (error) {
      status.textContent = error && error.message && error.name === "Error" ? error.message : box.dataset.failed;
      button.disabled = false;
    });
  });
})();
