// Progressive enhancement only: every page works without this file.
// Copy-to-clipboard buttons: <button data-copy="text to copy" data-copied="Copied">.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(button.dataset.copy).then(() => {
    const label = button.textContent;
    button.textContent = button.dataset.copied || label;
    setTimeout(() => { button.textContent = label; }, 2000);
  });
});
// Reveal copy buttons only where the clipboard API exists (they are hidden by default).
if (navigator.clipboard) {
  document.querySelectorAll("[data-copy]").forEach((b) => { b.hidden = false; });
}
// Move focus to the error summary after a failed submit, so screen readers announce it.
const summary = document.getElementById("error-summary");
if (summary) summary.focus();
// The sign form's group fields matter only to admins: shown without JavaScript, hidden here
// while "I was an admin" is not ticked (and shown again as soon as it is).
document.querySelectorAll("[data-admin-fields]").forEach((fieldset) => {
  const box = fieldset.querySelector("input[type=checkbox]");
  const group = fieldset.querySelector("[data-admin-group]");
  if (!box || !group) return;
  const sync = () => { group.hidden = !box.checked; };
  box.addEventListener("change", sync);
  sync();
});
