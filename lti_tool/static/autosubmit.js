// Submit forms marked data-autosubmit once the page has loaded (the button stays for no-JS).
document.querySelectorAll("form[data-autosubmit]").forEach(function (form) { form.submit(); });
