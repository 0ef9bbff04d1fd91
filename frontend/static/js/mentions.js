// Lernen 25 – @mentions as an autocomplete in the topic's text box.
// Typing "@" and the first letters of a name offers the PLG's members in a list box under the text
// box; arrow keys move, Enter or Tab takes the marked name, Escape closes. The text box keeps the
// focus throughout (aria-activedescendant; a textarea's role takes no aria-expanded, so a status line
// says how many were found), so a large PLG adds no Tab stops. Without JavaScript
// people write "@Vorname Nachname" themselves (the hint under the box says so).

const form = document.getElementById("post-form");
const textarea = form ? form.querySelector("textarea") : null;
const namesScript = document.getElementById("mention-names");
const suggest = document.getElementById("mention-suggest");
const listbox = document.getElementById("mention-listbox");
const status = document.getElementById("mention-status");

const MAX_SHOWN = 8;
// "@" at the start or after a space, then up to 40 characters of a name (letters, spaces, - ' .).
const TOKEN = /(?:^|\s)@([\p{L}\p{M}' .-]{0,40})$/u;

if (textarea && namesScript && suggest && listbox) {
  const names = JSON.parse(namesScript.textContent);
  const folded = names.map((name) => name.toLocaleLowerCase("de"));
  let shown = []; // indexes into names
  let active = -1;
  let tokenStart = -1; // position of the "@" being completed

  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", listbox.id);
  const described = (textarea.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  if (!described.includes("mention-help")) textarea.setAttribute("aria-describedby", [...described, "mention-help"].join(" "));

  const announce = (count) => {
    if (!status) return;
    const key = count === 0 ? "none" : count === 1 ? "one" : "many";
    status.textContent = (status.dataset[key] || "").replace("%(count)s", String(count));
  };

  const close = () => {
    suggest.hidden = true;
    textarea.removeAttribute("aria-activedescendant");
    shown = [];
    active = -1;
    tokenStart = -1;
  };

  const mark = (index) => {
    active = index;
    listbox.querySelectorAll("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0) textarea.setAttribute("aria-activedescendant", `mention-option-${index}`);
    else textarea.removeAttribute("aria-activedescendant");
  };

  const matches = (query) => {
    const q = query.toLocaleLowerCase("de").trimStart();
    const found = [];
    folded.forEach((name, i) => {
      // The whole name, or any of its words, begins with what was typed.
      if (name.startsWith(q) || name.split(/[\s-]+/).some((word) => word.startsWith(q))) found.push(i);
    });
    return found;
  };

  const update = () => {
    const caret = textarea.selectionStart;
    if (caret !== textarea.selectionEnd) return close();
    const before = textarea.value.slice(0, caret);
    const token = TOKEN.exec(before);
    if (!token) return close();
    const query = token[1];
    const found = matches(query);
    if (found.length === 0 && /\s$/.test(query)) return close(); // a finished word that names nobody
    tokenStart = caret - query.length - 1;
    shown = found.slice(0, MAX_SHOWN);
    listbox.replaceChildren(
      ...shown.map((nameIndex, i) => {
        const option = document.createElement("li");
        option.id = `mention-option-${i}`;
        option.setAttribute("role", "option");
        option.className = "l25-suggest__option";
        option.textContent = `@${names[nameIndex]}`;
        option.dataset.index = String(i);
        return option;
      }),
    );
    suggest.hidden = shown.length === 0;
    mark(shown.length ? 0 : -1);
    announce(found.length);
  };

  const choose = (index) => {
    if (index < 0 || index >= shown.length || tokenStart < 0) return;
    const insert = `@${names[shown[index]]} `;
    const end = textarea.selectionStart;
    textarea.value = textarea.value.slice(0, tokenStart) + insert + textarea.value.slice(end);
    const caret = tokenStart + insert.length;
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true })); // typing notice, drafts
    close();
    textarea.focus();
  };

  textarea.addEventListener("input", update);
  textarea.addEventListener("click", update);
  // Leaving the box closes the list, a little later (a click on an option comes first), and only if
  // the focus has not come back meanwhile: a late close would swallow the next Enter.
  textarea.addEventListener("blur", () => setTimeout(() => { if (document.activeElement !== textarea) close(); }, 150));
  textarea.addEventListener("keydown", (event) => {
    if (suggest.hidden || shown.length === 0) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      mark((active + 1) % shown.length);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      mark((active - 1 + shown.length) % shown.length);
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  // mousedown, not click: the text box must not lose the caret before the name goes in.
  listbox.addEventListener("mousedown", (event) => {
    const option = event.target.closest("[role=option]");
    if (!option) return;
    event.preventDefault();
    choose(Number(option.dataset.index));
  });
}
