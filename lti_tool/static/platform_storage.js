// LTI platform storage (1EdTech "LTI Client Side postMessages" and "postMessage
// Storage"): when the browser blocks our cookie in the platform's iframe, the OIDC
// state is kept by the platform's frame named in lti_storage_target instead.
//   mode "put" (login):  lti.put_data state, then continue to the platform's auth URL.
//   mode "get" (launch): lti.get_data state, then post the launch back with it.
(function () {
  var config = JSON.parse(document.getElementById("lti-storage").textContent);

  function targetWindow() {
    // §2: "_parent" is the parent frame itself; any other name is a frame of the parent.
    if (config.target === "_parent") { return window.parent; }
    try { return window.parent.frames[config.target] || null; } catch (e) { return null; }
  }

  // The platform's frame may still be loading: ask again, a few times, before giving up.
  var ATTEMPT_MS = 800;
  var ATTEMPTS = 5;

  function send(message, onAnswer, onFail) {
    var messageId = "lti-" + Math.random().toString(36).slice(2);
    var attempts = 0;
    var timer = null;
    message.message_id = messageId;
    function listener(event) {
      // Only answers from the platform's origin, to this message, count.
      if (event.origin !== config.origin || !event.data || event.data.message_id !== messageId) { return; }
      if (event.data.subject !== message.subject + ".response") { return; }
      finish();
      if (event.data.error) { onFail(); } else { onAnswer(event.data); }
    }
    function finish() { window.clearTimeout(timer); window.removeEventListener("message", listener); }
    function attempt() {
      attempts += 1;
      if (attempts > ATTEMPTS) { finish(); onFail(); return; }
      var target = targetWindow();
      if (target && target !== window) { target.postMessage(message, config.origin); }
      timer = window.setTimeout(attempt, ATTEMPT_MS);
    }
    window.addEventListener("message", listener);
    attempt();
  }

  function showBlocked() {
    var loading = document.getElementById("lti-loading");
    if (loading) { loading.hidden = true; }
    var blocked = document.getElementById("lti-blocked");
    if (blocked) { blocked.hidden = false; }
  }

  if (config.mode === "put") {
    var go = function () { window.location.replace(config.redirect); };
    // Whether or not the platform stored it, continue: the cookie may still work.
    send({ subject: "lti.put_data", key: config.key, value: config.value }, go, go);
  } else {
    var form = document.getElementById("lti-storage-form");
    send({ subject: "lti.get_data", key: config.key }, function (answer) {
      if (typeof answer.value !== "string") { showBlocked(); return; }
      form.elements.lti_storage_value.value = answer.value;
      form.submit();
    }, showBlocked);
  }
})();
