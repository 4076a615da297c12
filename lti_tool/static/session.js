// Keeps an open page's launch token fresh. Tokens live minutes (LAUNCH_TOKEN_MAX_AGE), not
// hours, so one copied out of a page is soon worthless; while the page stays open this asks
// /lti/token for a new one (sent in a header, never a URL) and puts it in every form and in
// the meta tags that fetch() calls read. When the launch's session has ended, forms keep the
// old token and the next page says to open the activity again from the course.
(function () {
  "use strict";
  var tokenMeta = document.querySelector('meta[name="lti-token"]');
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var renewMeta = document.querySelector('meta[name="lti-token-renew"]');
  if (!tokenMeta || !csrfMeta || !renewMeta) { return; }
  var lifetime = parseInt(renewMeta.getAttribute("data-seconds"), 10) || 900;
  // Renew at a third of the lifetime: two chances before the token runs out.
  var interval = Math.max(5, Math.floor(lifetime / 3)) * 1000;

  var expiresAt = Date.now() + lifetime * 1000;

  function apply(token, csrf) {
    expiresAt = Date.now() + lifetime * 1000;
    tokenMeta.setAttribute("content", token);
    csrfMeta.setAttribute("content", csrf);
    document.querySelectorAll('input[name="lti_token"]').forEach(function (input) { input.value = token; });
    document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) { input.value = csrf; });
    document.dispatchEvent(new CustomEvent("lti-token-renewed", {detail: {token: token, csrf: csrf}}));
  }

  // Resolves true when the page holds a fresh token, false when the session is over.
  function renew() {
    return fetch(renewMeta.getAttribute("content"), {
      method: "POST",
      credentials: "omit",
      headers: {
        "Authorization": "Bearer " + tokenMeta.getAttribute("content"),
        "X-CSRF-Token": csrfMeta.getAttribute("content"),
        "Accept": "application/json"
      }
    }).then(function (response) {
      if (!response.ok) { throw new Error("renewal refused: " + response.status); }
      return response.json();
    }).then(function (data) {
      apply(data.token, data.csrf_token);
      return true;
    }).catch(function () {
      // Offline or session over: keep the current token and try again at the next tick.
      return false;
    });
  }

  // A page left open past its token's life (a laptop asleep) must not send a form that
  // can only be refused: what the person wrote would be lost with the page. Renew first;
  // if the session is over, keep the page and say what to do.
  function showEnded() {
    if (document.getElementById("session-ended")) { return; }
    var notice = document.createElement("div");
    notice.id = "session-ended";
    notice.className = "session-ended";
    notice.setAttribute("role", "alert");
    notice.textContent = "Your session with this activity has ended, so nothing was sent. " +
      "What you wrote is still on this page: copy it somewhere safe, then open the activity " +
      "again from your course.";
    var main = document.querySelector("main") || document.body;
    main.insertBefore(notice, main.firstChild);
    notice.scrollIntoView({block: "nearest"});
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.querySelector('input[name="lti_token"]')) { return; }
    if (Date.now() < expiresAt - 5000) { return; }
    event.preventDefault();
    var submitter = event.submitter || null;
    renew().then(function (fresh) {
      if (fresh) { form.requestSubmit(submitter); } else { showEnded(); }
    });
  }, true);

  window.setInterval(renew, interval);
  // A page that was hidden for long (laptop asleep) renews as soon as it is seen again.
  var hiddenAt = 0;
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { hiddenAt = Date.now(); return; }
    if (hiddenAt && Date.now() - hiddenAt > interval / 2) { renew(); }
  });
  window.ltiSession = {
    token: function () { return tokenMeta.getAttribute("content"); },
    csrf: function () { return csrfMeta.getAttribute("content"); }
  };
})();
