// The assignment page: live word count, and a draft that is never lost. No inline script (CSP
// script-src 'self').
//
// - Autosave: 1.5 s after the last keystroke, and when the page is hidden or left (fetch with
//   keepalive), the essay is POSTed to …/draft with the launch token as "Authorization: Bearer"
//   and the CSRF token as "X-CSRF-Token", both read from window.ltiSession at call time (they
//   are renewed every few minutes): never a token in a URL.
// - Each save names the revision it started from; the server answers 409 when another window
//   saved since. Both texts are then shown and the learner chooses: nothing is overwritten.
// - A copy is kept in this browser's storage (per person and placement) when the browser gives
//   the frame storage: a network drop, an expired launch or a closed tab keeps the text, and
//   the next launch offers it again and sends it once the connection is back.
(function () {
  "use strict";

  var root = document.getElementById("assignment");
  var body = document.getElementById("essay-body");
  if (!root || !body) {
    return;
  }
  var url = root.getAttribute("data-draft-url");
  var key = "assignment-draft:" + (root.getAttribute("data-draft-key") || "");
  var limit = parseInt(root.getAttribute("data-word-limit"), 10) || 0;
  var revision = parseInt(root.getAttribute("data-revision"), 10) || 0;
  var serverSavedAt = root.getAttribute("data-saved-at") || "";
  var revisionInput = document.getElementById("essay-revision");
  var count = document.getElementById("word-count");
  var status = document.getElementById("essay-status");
  var conflict = document.getElementById("essay-conflict");
  var conflictText = document.getElementById("conflict-text");
  var form = body.form;
  var WORD = /[\p{L}\p{N}_][\p{L}\p{N}_'\u2019-]*/gu;
  var DELAY = 1500;
  var RETRY = 10000;

  var savedText = body.value; // what the server holds, as far as this page knows
  var timer = null;
  var retryTimer = null;
  var inFlight = false;
  var again = false;
  var blocked = false; // a conflict waits for the learner's choice
  var submitting = false; // the form carries the text now: no autosave beside it
  var ended = false; // the launch's session is over: only a new launch can save
  var copyButton = document.getElementById("essay-copy");

  function store() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage blocked: the server copy still works
    }
  }

  function keepLocally() {
    var s = store();
    if (!s) {
      return;
    }
    try {
      s.setItem(key, JSON.stringify({ text: body.value, revision: revision, at: new Date().toISOString() }));
    } catch (error) {
      // quota or privacy mode: the server copy still works
    }
  }

  function forgetLocally() {
    var s = store();
    if (s) {
      try {
        s.removeItem(key);
      } catch (error) {
        // nothing to do
      }
    }
  }

  function words(text) {
    var found = text.match(WORD);
    return found ? found.length : 0;
  }

  function showCount() {
    var n = words(body.value);
    var text = n + (n === 1 ? " word" : " words");
    if (limit) {
      text += " of " + limit + (n > limit ? " (over the limit)" : "");
    }
    count.textContent = text;
  }

  function say(message) {
    status.textContent = message;
  }

  // The same clock the page prints on the server ("10:42 UTC"): one status, one format.
  function clock(date) {
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(date.getUTCHours()) + ":" + two(date.getUTCMinutes()) + " UTC";
  }

  function setRevision(value) {
    revision = value;
    if (revisionInput) {
      revisionInput.value = String(value);
    }
  }

  function headers() {
    var session = window.ltiSession;
    var token = session ? session.token() : form.elements.namedItem("lti_token").value;
    var csrf = session ? session.csrf() : form.elements.namedItem("csrf_token").value;
    return {
      Authorization: "Bearer " + token,
      "X-CSRF-Token": csrf,
      Accept: "application/json",
    };
  }

  function showConflict(data) {
    blocked = true;
    conflictText.value = data.body;
    conflict.hidden = false;
    conflict.setAttribute("data-revision", String(data.revision));
    say("Not saved: this essay was changed in another window. Choose which text to keep.");
  }

  function save(options) {
    if (!url || blocked || submitting || !window.fetch) {
      return;
    }
    var text = body.value;
    if (text === savedText) {
      return;
    }
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    var data = new URLSearchParams();
    data.set("body", text);
    data.set("revision", String(revision));
    window
      .fetch(url, {
        method: "POST",
        headers: headers(),
        body: data,
        credentials: "omit",
        keepalive: !!(options && options.leaving) && text.length < 60000,
      })
      .then(function (response) {
        if (response.status === 409) {
          return response.json().then(showConflict);
        }
        if (response.status === 401) {
          sessionEnded();
          return null;
        }
        if (response.status === 422) {
          // Refused for a reason the learner can act on (e.g. far too long): no retry.
          return response.json().then(function (errors) {
            say("Not saved: " + ((errors.body && errors.body[0]) || "the text was refused."));
          });
        }
        if (!response.ok) {
          throw new Error("save refused: " + response.status);
        }
        return response.json().then(function (result) {
          setRevision(result.revision);
          savedText = text;
          if (body.value === text) {
            forgetLocally();
          }
          say("Saved at " + clock(new Date(result.saved_at)));
        });
      })
      .catch(function () {
        say("Not saved: no connection. Your text is kept in this browser and will be sent when the connection returns.");
        window.clearTimeout(retryTimer);
        retryTimer = window.setTimeout(save, RETRY);
      })
      .then(function () {
        inFlight = false;
        if (again) {
          again = false;
          save();
        }
      });
  }

  // The launch's session ended (hours after the launch, or revoked). Nothing on the server
  // accepts the text now, and a browser that blocks third-party storage keeps nothing for the
  // frame: the text stays on this page, Submit is held back (its answer would replace the
  // page), and the learner can save a copy of their text as a file before opening the
  // activity again.
  function sessionEnded() {
    ended = true;
    keepLocally();
    if (copyButton) {
      copyButton.hidden = false;
    }
    say(
      "Your session has ended, so this text is not saved yet. " +
        (store() ? "It is kept in this browser; " : "Save a copy of your text, then ") +
        "open the activity again from your course to save it."
    );
  }

  function saveCopy() {
    var file = new Blob([body.value], { type: "text/plain;charset=utf-8" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(file);
    link.download = "my-essay.txt";
    document.body.appendChild(link);
    link.click();
    window.setTimeout(function () {
      URL.revokeObjectURL(link.href);
      link.remove();
    }, 1000);
  }

  function restoreLocalCopy() {
    var s = store();
    var raw = s && s.getItem(key);
    if (!raw) {
      return;
    }
    var copy;
    try {
      copy = JSON.parse(raw);
    } catch (error) {
      return;
    }
    if (root.getAttribute("data-submitted") === "1" || !copy || typeof copy.text !== "string") {
      forgetLocally();
      return;
    }
    var newer = !serverSavedAt || copy.at > serverSavedAt;
    if (copy.text !== body.value && newer) {
      body.value = copy.text;
      if (copy.revision === revision || copy.revision === 0) {
        say("Your text from an earlier visit, not yet saved, is back. Saving it now.");
      }
      save();
    } else if (copy.text === body.value) {
      forgetLocally();
    }
  }

  body.addEventListener("input", function () {
    showCount();
    keepLocally();
    say("Saving…");
    window.clearTimeout(timer);
    timer = window.setTimeout(save, DELAY);
  });

  document.getElementById("conflict-keep-mine").addEventListener("click", function () {
    setRevision(parseInt(conflict.getAttribute("data-revision"), 10) || revision);
    blocked = false;
    conflict.hidden = true;
    savedText = null;
    save();
    body.focus();
  });

  document.getElementById("conflict-take-theirs").addEventListener("click", function () {
    setRevision(parseInt(conflict.getAttribute("data-revision"), 10) || revision);
    body.value = conflictText.value;
    savedText = body.value;
    blocked = false;
    conflict.hidden = true;
    forgetLocally();
    showCount();
    say("You are now working on the other window's text.");
    body.focus();
  });

  if (copyButton) {
    copyButton.addEventListener("click", saveCopy);
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      if (ended) {
        event.preventDefault(); // the answer would be "open the activity again", without the text
        sessionEnded();
        status.focus();
        return;
      }
      window.clearTimeout(timer);
      submitting = true;
      keepLocally(); // until the answer says the version is in
    });
  }

  window.addEventListener("online", function () {
    save();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      save({ leaving: true });
    }
  });
  window.addEventListener("pagehide", function () {
    save({ leaving: true });
  });

  if (root.getAttribute("data-submitted") === "1") {
    forgetLocally();
  }
  restoreLocalCopy();
  showCount();
})();
