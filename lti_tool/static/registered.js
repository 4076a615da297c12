// LTI Dynamic Registration §3.7: tell the platform to close its registration dialog.
// On success the page asks at once (data-auto-close); on a refusal only when the person
// has read why and presses the button.
(function () {
  var button = document.getElementById("lti-close");
  if (!button) { return; }
  function close() {
    (window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*");
  }
  button.addEventListener("click", close);
  if (button.hasAttribute("data-auto-close")) { close(); }
})();
