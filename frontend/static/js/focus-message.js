// Lernen 25: after a form was sent, the page that comes back shows what happened as a message
// ("Ihr Profil wurde gespeichert.", includes/_messages.html). Focus moves to the first message, so
// that a screen reader reads it and the keyboard goes on from there instead of from the top of
// the page (WCAG 2.4.3, 4.1.3). A form's error summary (#form-errors, app.js) comes first.
// The site sends its forms without htmx (plain POST and redirect), so there is no swap to follow.
(function () {
  "use strict";

  function focusMessage() {
    if (document.getElementById("form-errors")) { return; }
    var message = document.querySelector("[data-l25-message]");
    if (message) { message.focus(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusMessage);
  } else {
    focusMessage();
  }
})();
