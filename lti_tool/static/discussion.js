// Scenario discussion page: the composer's character count and a draft that survives a
// reload or an expired launch. No inline script (CSP script-src 'self').
//
// The draft lives in this browser's localStorage (partitioned per top-level site by browsers
// that block third-party storage, which is fine: the same LMS page finds it again), under a
// key the server derives from the person and the discussion, so that two people sharing a
// computer never see each other's drafts. It is removed as soon as the post is published.
(function () {
  "use strict";

  var root = document.getElementById("discussion");
  var body = document.getElementById("composer-body");
  if (!root || !body) {
    return;
  }
  var key = "discussion-draft:" + (root.getAttribute("data-draft-key") || "");
  var limit = parseInt(root.getAttribute("data-limit"), 10) || 0;
  var count = document.getElementById("composer-count");

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage refused (privacy settings): the composer still works
    }
  }

  function showCount() {
    if (count && limit) {
      var left = limit - body.value.length;
      count.textContent = left >= 0 ? left + " characters left" : -left + " characters too many";
    }
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
    if (!store) {
      return;
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      try {
        if (body.value) {
          store.setItem(key, body.value);
        } else {
          store.removeItem(key);
        }
      } catch (error) {
        // quota or privacy mode: keep going without a saved draft
      }
    }, 400);
  });
  showCount();
})();
