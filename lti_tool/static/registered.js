// LTI Dynamic Registration §3.7: tell the platform the registration is complete.
(function () {
  function close() {
    (window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, "*");
  }
  document.getElementById("lti-close").addEventListener("click", close);
  close();
})();
