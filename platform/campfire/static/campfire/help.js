// The keyboard shortcut dialog (`h` in command mode, or the "Shortcuts" button). The table itself
// is static HTML in the editor page (templates/notebooks/editor/help_dialog.html).

export function bindHelp({ dialog, openers }) {
  const open = () => {
    if (!dialog.open) dialog.showModal();
  };
  for (const button of openers) button.addEventListener("click", open);
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  return open;
}
