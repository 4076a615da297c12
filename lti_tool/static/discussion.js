// Scenario discussion page: the composer's character count, and a draft that survives a
// reload or an expired launch. No inline script (CSP script-src 'self').
//
// The draft is saved to the tool as the learner types (POST …/draft with the launch token as
// "Authorization: Bearer" and the CSRF token as "X-CSRF-Token": never a token in a URL), so
// a new launch shows it again, even in a framed tool whose browser blocks third-party
// storage. Where the browser does give the frame localStorage, the draft is also kept there
// under a per-person key, which covers text typed after the launch token expired. Both go
// once the post is published.
(function () {
  "use strict";

  var root = document.getElementById("discussion");
  var body = document.getElementById("composer-body");
  if (!root || !body) {
    return;
  }
  var form = body.form;
  var key = "discussion-draft:" + (root.getAttribute("data-draft-key") || "");
  var url = root.getAttribute("data-draft-url");
  var limit = parseInt(root.getAttribute("data-limit"), 10) || 0;
  var count = document.getElementById("composer-count");

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // third-party storage blocked: the server copy still works
    }
  }

  function field(name) {
    var input = form && form.elements.namedItem(name);
    return input ? input.value : "";
  }

  function showCount() {
    if (count && limit) {
      var left = limit - body.value.length;
      count.textContent = left >= 0 ? left + " characters left" : -left + " characters too many";
    }
  }

  function saveLocally(text) {
    if (!store) {
      return;
    }
    try {
      if (text) {
        store.setItem(key, text);
      } else {
        store.removeItem(key);
      }
    } catch (error) {
      // quota or privacy mode: the server copy still works
    }
  }

  function saveOnServer(text) {
    if (!url || !window.fetch) {
      return;
    }
    var data = new URLSearchParams();
    data.set("body", text);
    window
      .fetch(url, {
        method: "POST",
        headers: {
          Authorization: "Bearer " + field("lti_token"),
          "X-CSRF-Token": field("csrf_token"),
        },
        body: data,
        credentials: "omit",
      })
      .catch(function () {
        // offline or launch expired: the local copy (if any) keeps the text
      });
  }

  var store = storage();
  if (store) {
    if (root.getAttribute("data-posted") === "1") {
      store.removeItem(key);
    } else if (!body.value) {
      var saved = store.getItem(key);
      if (saved) {
        body.value = saved;
      }
    }
  }

  var timer = null;
  body.addEventListener("input", function () {
    showCount();
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      saveLocally(body.value);
      saveOnServer(body.value);
    }, 400);
  });
  // Post pressed within 400 ms of the last keystroke: the pending save must not run while the
  // post is on its way, or it could store the posted text as a draft again after the post
  // cleared it (the composer would show it again at the next visit). Preview keeps the draft.
  if (form) {
    form.addEventListener("submit", function (event) {
      window.clearTimeout(timer);
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute("formaction")) {
        saveLocally(body.value);
        saveOnServer(body.value);
      }
    });
  }
  showCount();
})();
