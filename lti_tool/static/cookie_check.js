// pylti1p3's cookie check without inline script (our CSP forbids it): if this frame can
// keep a cookie, continue the login here; otherwise offer to continue in a new window,
// where the tool is first-party and its cookies are kept.
(function () {
  var data = JSON.parse(document.getElementById("lti-cookie-check").textContent);
  function continueUrl() {
    var url = new URL(window.location.href);
    Object.keys(data.params).forEach(function (key) {
      if (!url.searchParams.has(key)) { url.searchParams.set(key, data.params[key]); }
    });
    return url.toString();
  }
  var secure = window.location.protocol === "https:" || /(^|\.)localhost$/.test(window.location.hostname);
  var cookie = "lti1p3_test_cookie=1; path=/";
  if (secure) { cookie += "; SameSite=None; Secure; Partitioned"; }
  document.cookie = cookie;
  if (document.cookie.indexOf("lti1p3_test_cookie") !== -1) {
    document.cookie = "lti1p3_test_cookie=; expires=Thu, 01 Jan 1970 00:00:01 GMT; path=/" +
      (secure ? "; SameSite=None; Secure; Partitioned" : "");
    window.location.replace(continueUrl());
    return;
  }
  document.getElementById("lti-loading").hidden = true;
  var blocked = document.getElementById("lti-blocked");
  var link = document.getElementById("lti-new-window");
  link.href = continueUrl();
  blocked.hidden = false;
  link.focus();
})();
