// Behaviour that would otherwise sit in inline handlers, which the Content-Security-Policy
// (sitroom/core/middleware.py) does not allow: a <select data-submit-on-change> submits its form.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-submit-on-change")) {
    field.form?.submit();
  }
});
